-- phase-summary.sql — what each phase of the workload did: events, accesses, faults, calls.
-- Reads: control_events and strings (through the v_phases view), event_summary and fault_summary
--        (events per kind and faults per kind, counted per phase during the replay: every event and
--        fault, whatever --rows kept), fault_kinds, memory_calls (the page sums: a range of seq).
-- A phase runs from its marker's seq up to (not including) the next marker's seq, the last one to the
-- end of the trace. Events before the first marker are not in any phase.
-- Columns: phase, start_seq, end_seq, events, accesses, faults, major_faults, memory_calls,
--          alloc_calls, file_calls, pages_populated, pages_freed, pages_written (by msync).
SELECT p.name AS phase,
       p.start_seq,
       p.end_seq,
       (SELECT coalesce(sum(events), 0) FROM event_summary s WHERE s.phase = p.start_seq) AS events,
       (SELECT coalesce(sum(events), 0) FROM event_summary s WHERE s.phase = p.start_seq AND s.kind < 8) AS accesses,
       (SELECT coalesce(sum(faults), 0) FROM fault_summary f WHERE f.phase = p.start_seq) AS faults,
       (SELECT coalesce(sum(f.faults), 0) FROM fault_summary f JOIN fault_kinds k ON k.id = f.kind
        WHERE f.phase = p.start_seq AND k.is_major) AS major_faults,
       (SELECT coalesce(sum(events), 0) FROM event_summary s
        WHERE s.phase = p.start_seq AND s.kind >= 32 AND s.kind < 48) AS memory_calls,
       (SELECT coalesce(sum(events), 0) FROM event_summary s
        WHERE s.phase = p.start_seq AND s.kind >= 16 AND s.kind < 32) AS alloc_calls,
       (SELECT coalesce(sum(events), 0) FROM event_summary s
        WHERE s.phase = p.start_seq AND s.kind >= 48 AND s.kind < 56) AS file_calls,
       (SELECT coalesce(sum(pages_populated), 0) FROM memory_calls m
        WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS pages_populated,
       (SELECT coalesce(sum(pages_freed), 0) FROM memory_calls m
        WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS pages_freed,
       (SELECT coalesce(sum(pages_written), 0) FROM memory_calls m
        WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS pages_written
FROM v_phases p
ORDER BY p.start_seq;
