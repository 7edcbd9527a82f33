-- cow-after-fork.sql — copy-on-write faults after each fork, in the child and in the parent.
-- Reads: process_events, process_ops, faults, fault_kinds (and every family table's last seq).
-- A fork's window runs from the fork to the parent's next fork (or the end of the run).
-- Columns: fork_seq, parent, child, write_protected (private PTEs write-protected by the fork),
--          child_copies, child_reuses, parent_copies, parent_reuses (cow_copy / zero_page_copy count
--          as copies; cow_reuse / thp_reuse as reuses), until_seq. Ordered by fork_seq.
WITH forks AS (
    SELECT pe.seq AS fork_seq, pe.pid AS parent, pe.process AS child, pe.pages AS write_protected,
           coalesce(lead(pe.seq) OVER (PARTITION BY pe.pid ORDER BY pe.seq),
                    max((SELECT coalesce(max(seq), 0) FROM accesses), (SELECT coalesce(max(seq), 0) FROM process_events),
                        (SELECT coalesce(max(seq), 0) FROM alloc_calls), (SELECT coalesce(max(seq), 0) FROM memory_calls),
                        (SELECT coalesce(max(seq), 0) FROM file_calls), (SELECT coalesce(max(seq), 0) FROM control_events)) + 1) AS until_seq
    FROM process_events pe
    JOIN process_ops o ON o.id = pe.op
    WHERE o.name IN ('fork', 'vfork')
),
cow AS (
    SELECT f.seq, f.pid,
           k.name IN ('cow_copy', 'zero_page_copy') AS is_copy,
           k.name IN ('cow_reuse', 'thp_reuse') AS is_reuse
    FROM faults f JOIN fault_kinds k ON k.id = f.kind
    WHERE k.name IN ('cow_copy', 'zero_page_copy', 'cow_reuse', 'thp_reuse')
)
SELECT fk.fork_seq, fk.parent, fk.child, fk.write_protected,
       coalesce(sum(c.is_copy AND c.pid = fk.child), 0) AS child_copies,
       coalesce(sum(c.is_reuse AND c.pid = fk.child), 0) AS child_reuses,
       coalesce(sum(c.is_copy AND c.pid = fk.parent), 0) AS parent_copies,
       coalesce(sum(c.is_reuse AND c.pid = fk.parent), 0) AS parent_reuses,
       fk.until_seq
FROM forks fk
LEFT JOIN cow c ON c.seq > fk.fork_seq AND c.seq < fk.until_seq AND c.pid IN (fk.parent, fk.child)
GROUP BY fk.fork_seq, fk.parent, fk.child
ORDER BY fk.fork_seq;
