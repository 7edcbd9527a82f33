-- hw-latency-percentiles.sql — access latency percentiles in cycles, overall and by serving level.
-- Reads: latency_histogram (the accesses of hw_accesses counted per serving level and latency during
--        the replay: exact bucket counts), memory_levels.
-- Nearest-rank percentiles: the smallest latency with at least that fraction of accesses at or below it.
-- The percentiles and means come from the histogram's few hundred rows.
WITH hist AS MATERIALIZED (SELECT served_by, latency, accesses AS n FROM latency_histogram),
cum AS MATERIALIZED (
    SELECT latency, SUM(n) OVER (ORDER BY latency) AS r, SUM(n) OVER () AS total
    FROM (SELECT latency, SUM(n) AS n FROM hist GROUP BY latency)),
q(label, frac) AS (VALUES ('p50', 0.50), ('p90', 0.90), ('p99', 0.99), ('p99.9', 0.999), ('max', 1.0))
SELECT 'all' AS served_by, q.label AS percentile,
    (SELECT MIN(latency) FROM cum WHERE r >= CAST(q.frac * total + 0.999999 AS INTEGER)) AS latency_cycles
FROM q
UNION ALL
SELECT m.name, 'mean', ROUND(1.0 * SUM(h.latency * h.n) / SUM(h.n), 2) FROM hist h JOIN memory_levels m ON m.id = h.served_by
GROUP BY h.served_by;
