-- psi-over-time.sql — memory pressure at each snapshot: /proc/pressure/memory's SOME avg10 and the stall time
-- added since the previous snapshot (µs), SOME and FULL, and dirty throttling's I/O stall.
-- Reads: v_counters (psi.memory.some_avg10, psi.memory.some_total_us, psi.memory.full_total_us, psi.io.some_total_us).
SELECT seq, time,
    SUM(CASE WHEN counter = 'psi.memory.some_avg10' THEN value END) / 100.0 AS some_avg10,
    SUM(CASE WHEN counter = 'psi.memory.some_total_us' THEN delta END) AS some_us,
    SUM(CASE WHEN counter = 'psi.memory.full_total_us' THEN delta END) AS full_us,
    SUM(CASE WHEN counter = 'psi.io.some_total_us' THEN delta END) AS io_some_us
FROM (
    SELECT seq, time, counter, value,
        value - COALESCE(LAG(value) OVER (PARTITION BY counter ORDER BY seq), 0) AS delta
    FROM v_counters
    WHERE counter LIKE 'psi.%'
)
GROUP BY seq, time
ORDER BY seq;
