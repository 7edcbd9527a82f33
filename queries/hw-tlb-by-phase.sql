-- hw-tlb-by-phase.sql — TLB miss rates per phase of the workload.
-- Reads: hw_accesses, control_events and strings (through v_phases).
-- Accesses before the first phase marker are reported as '(before any phase)'.
SELECT COALESCE(p.name, '(before any phase)') AS phase, COUNT(*) AS accesses,
    SUM(h.tlb >= 2) AS l1_tlb_misses, SUM(h.tlb = 3) AS walks,
    ROUND(1.0 * SUM(h.tlb >= 2) / COUNT(*), 6) AS l1_miss_rate, ROUND(1.0 * SUM(h.tlb = 3) / COUNT(*), 6) AS walk_rate
FROM hw_accesses h LEFT JOIN v_phases p ON h.seq >= p.start_seq AND h.seq < p.end_seq
WHERE h.tlb > 0
GROUP BY p.start_seq
ORDER BY MIN(h.seq);
