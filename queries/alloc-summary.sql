-- alloc-summary.sql — the allocator figures of the run: system calls, peak break, peak heap, peak payload, utilization and fragmentation.
-- Reads: metrics (alloc.*).
-- Columns: metric, value. Runs without --allocator have only the recorded payload figures.
SELECT name AS metric, value
FROM metrics
WHERE name LIKE 'alloc.%' AND name NOT LIKE 'alloc.calls.%'
ORDER BY name;
