-- hw-tlb-by-phase.sql — TLB miss rates per phase of the workload.
-- Reads: hw_accesses, control_events and strings (through v_phases).
-- Accesses before the first phase marker are reported as '(before any phase)'.
-- Each phase sums its own seq range of hw_accesses (a range of the primary key, one pass in all);
-- joining every access to the phase list and sorting them by phase took minutes at 10^7 accesses.
WITH p AS MATERIALIZED (
    SELECT '(before any phase)' AS name, 0 AS start_seq,
        COALESCE((SELECT MIN(start_seq) FROM v_phases), (SELECT COALESCE(MAX(seq), 0) + 1 FROM hw_accesses)) AS end_seq
    UNION ALL
    SELECT COALESCE(name, '(before any phase)'), start_seq, end_seq FROM v_phases),
s AS MATERIALIZED (
    SELECT p.name, p.start_seq,
        (SELECT json_array(COUNT(*), SUM(h.tlb >= 2), SUM(h.tlb = 3)) FROM hw_accesses h
         WHERE h.seq >= p.start_seq AND h.seq < p.end_seq AND h.tlb > 0) AS sums
    FROM p),
t AS (SELECT name, start_seq, sums ->> '$[0]' AS accesses, sums ->> '$[1]' AS l1_tlb_misses, sums ->> '$[2]' AS walks FROM s)
SELECT name AS phase, accesses, l1_tlb_misses, walks,
    ROUND(1.0 * l1_tlb_misses / accesses, 6) AS l1_miss_rate, ROUND(1.0 * walks / accesses, 6) AS walk_rate
FROM t
WHERE accesses > 0
ORDER BY start_seq;
