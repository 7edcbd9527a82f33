-- hw-tlb-by-phase.sql — TLB miss rates per phase of the workload.
-- Reads: access_summary (the per-access hardware outcomes summed per phase, among others, during
--        the replay), strings (the phase marker's name).
-- Accesses before the first phase marker (and those of an unnamed phase) are reported as '(before any phase)'.
WITH s AS (
    SELECT phase, MAX(phase_name) AS phase_name, SUM(tlb_l1 + tlb_l2 + tlb_walk) AS accesses,
        SUM(tlb_l2 + tlb_walk) AS l1_tlb_misses, SUM(tlb_walk) AS walks
    FROM access_summary
    GROUP BY phase)
SELECT COALESCE(n.text, '(before any phase)') AS phase, s.accesses, s.l1_tlb_misses, s.walks,
    ROUND(1.0 * s.l1_tlb_misses / s.accesses, 6) AS l1_miss_rate, ROUND(1.0 * s.walks / s.accesses, 6) AS walk_rate
FROM s LEFT JOIN strings n ON n.id = s.phase_name AND s.phase > 0
WHERE s.accesses > 0
ORDER BY s.phase;
