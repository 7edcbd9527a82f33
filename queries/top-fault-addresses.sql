-- top-fault-addresses.sql — the 20 pages that faulted most, with the VMA they belong to.
-- Reads: fault_pages, fault_kinds, vmas.
-- Columns: pid, page (hex address), faults, kinds (distinct fault kinds, by name), vma, vma_name,
--          first_seq, last_seq. Most faulting first, then by pid and address.
-- vma is the VMA of the page's last fault. fault_pages (schema 9: one row per faulting page,
-- counted during the replay, whatever --rows keeps) is ordered by faults DESC, pid, address, so the
-- 20 pages are its first 20 rows; before it, every fault was grouped by page (4.4 s of CPU at 10^7
-- events). Its kinds column holds one bit per fault kind id.
SELECT t.pid,
       printf('0x%x', t.address) AS page,
       t.faults,
       (SELECT group_concat(name, ',') FROM (
            SELECT DISTINCT k.name FROM fault_kinds k
            WHERE k.id BETWEEN 0 AND 63 AND (t.kinds >> k.id) & 1 ORDER BY k.name)) AS kinds,
       t.vma,
       coalesce(v.name, '') AS vma_name,
       t.first_seq,
       t.last_seq
FROM (SELECT * FROM fault_pages ORDER BY faults DESC, pid, address LIMIT 20) t
LEFT JOIN vmas v ON v.id = t.vma
ORDER BY t.faults DESC, t.pid, t.address;
