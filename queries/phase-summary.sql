-- phase-summary.sql — what each phase of the workload did: events, accesses, faults, calls.
-- Reads: control_events and strings (through the v_phases view), accesses, process_events, alloc_calls,
--        memory_calls, file_calls, control_events (one row per event each), faults, fault_kinds.
-- A phase runs from its marker's seq up to (not including) the next marker's seq, the last one to the
-- end of the trace. Events before the first marker are not in any phase. Every count is a range of
-- seq in a table keyed by seq.
-- Columns: phase, start_seq, end_seq, events, accesses, faults, major_faults, memory_calls,
--          alloc_calls, file_calls, pages_populated, pages_freed, pages_written (by msync).
SELECT phase, start_seq, end_seq,
       accesses + process_events + alloc_calls + memory_calls + file_calls + control_events AS events,
       accesses, faults, major_faults, memory_calls, alloc_calls, file_calls,
       pages_populated, pages_freed, pages_written
FROM (
    SELECT p.name AS phase,
           p.start_seq,
           p.end_seq,
           (SELECT count(*) FROM accesses a WHERE a.seq >= p.start_seq AND a.seq < p.end_seq) AS accesses,
           (SELECT count(*) FROM process_events e WHERE e.seq >= p.start_seq AND e.seq < p.end_seq) AS process_events,
           (SELECT count(*) FROM control_events e WHERE e.seq >= p.start_seq AND e.seq < p.end_seq) AS control_events,
           (SELECT count(*) FROM faults f WHERE f.seq >= p.start_seq AND f.seq < p.end_seq) AS faults,
           (SELECT count(*) FROM faults f JOIN fault_kinds k ON k.id = f.kind
            WHERE f.seq >= p.start_seq AND f.seq < p.end_seq AND k.is_major) AS major_faults,
           (SELECT count(*) FROM memory_calls m WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS memory_calls,
           (SELECT count(*) FROM alloc_calls c WHERE c.seq >= p.start_seq AND c.seq < p.end_seq) AS alloc_calls,
           (SELECT count(*) FROM file_calls c WHERE c.seq >= p.start_seq AND c.seq < p.end_seq) AS file_calls,
           (SELECT coalesce(sum(pages_populated), 0) FROM memory_calls m
            WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS pages_populated,
           (SELECT coalesce(sum(pages_freed), 0) FROM memory_calls m
            WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS pages_freed,
           (SELECT coalesce(sum(pages_written), 0) FROM memory_calls m
            WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS pages_written
    FROM v_phases p)
ORDER BY start_seq;
