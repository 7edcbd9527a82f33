-- top-fault-addresses.sql — the 20 pages that faulted most, with the VMA they belong to.
-- Reads: faults, fault_kinds, vmas.
-- Columns: pid, page (hex address), faults, kinds (distinct fault kinds, by name), vma, vma_name,
--          first_seq, last_seq. Most faulting first, then by pid and address.
SELECT f.pid,
       printf('0x%x', f.address) AS page,
       count(*) AS faults,
       (SELECT group_concat(name, ',') FROM (
            SELECT DISTINCT k.name FROM faults g JOIN fault_kinds k ON k.id = g.kind
            WHERE g.pid = f.pid AND g.address = f.address ORDER BY k.name)) AS kinds,
       f.vma,
       coalesce(v.name, '') AS vma_name,
       min(f.seq) AS first_seq,
       max(f.seq) AS last_seq
FROM faults f
LEFT JOIN vmas v ON v.id = f.vma
GROUP BY f.pid, f.address
ORDER BY faults DESC, f.pid, f.address
LIMIT 20;
