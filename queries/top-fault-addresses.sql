-- top-fault-addresses.sql — the 20 pages that faulted most, with the VMA they belong to.
-- Reads: faults, fault_kinds, vmas.
-- Columns: pid, page (hex address), faults, kinds (distinct fault kinds, by name), vma, vma_name,
--          first_seq, last_seq. Most faulting first, then by pid and address.
-- The kinds are listed for the 20 pages kept only (listing them for every faulting page first
-- scanned the faults once per page).
WITH top AS MATERIALIZED (
    SELECT f.pid, f.address, count(*) AS faults, f.vma, coalesce(v.name, '') AS vma_name,
           min(f.seq) AS first_seq, max(f.seq) AS last_seq
    FROM faults f
    LEFT JOIN vmas v ON v.id = f.vma
    GROUP BY f.pid, f.address
    ORDER BY faults DESC, f.pid, f.address
    LIMIT 20)
SELECT t.pid,
       printf('0x%x', t.address) AS page,
       t.faults,
       (SELECT group_concat(name, ',') FROM (
            SELECT DISTINCT k.name FROM faults g JOIN fault_kinds k ON k.id = g.kind
            WHERE g.pid = t.pid AND g.address = t.address ORDER BY k.name)) AS kinds,
       t.vma,
       t.vma_name,
       t.first_seq,
       t.last_seq
FROM top t
ORDER BY t.faults DESC, t.pid, t.address;
