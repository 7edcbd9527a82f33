-- hw-latency-percentiles.sql — access latency percentiles in cycles, overall and by serving level.
-- Reads: hw_accesses (latency, served_by), memory_levels.
-- Nearest-rank percentiles: the smallest latency with at least that fraction of accesses at or below it.
WITH ranked AS (
    SELECT latency, ROW_NUMBER() OVER (ORDER BY latency) AS r, COUNT(*) OVER () AS n FROM hw_accesses),
q(label, frac) AS (VALUES ('p50', 0.50), ('p90', 0.90), ('p99', 0.99), ('p99.9', 0.999), ('max', 1.0))
SELECT 'all' AS served_by, q.label AS percentile,
    (SELECT MIN(latency) FROM ranked WHERE r >= CAST(q.frac * n + 0.999999 AS INTEGER)) AS latency_cycles
FROM q
UNION ALL
SELECT m.name, 'mean', ROUND(AVG(h.latency), 2) FROM hw_accesses h JOIN memory_levels m ON m.id = h.served_by
GROUP BY h.served_by;
