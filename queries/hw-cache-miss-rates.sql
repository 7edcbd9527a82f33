-- hw-cache-miss-rates.sql — accesses, misses and miss rate of every cache level, and cachegrind's counts.
-- Reads: metrics (cache.<level>.accesses / misses / writebacks, cachegrind.*).
-- A level absent from the machine has no row. cachegrind's names follow the cache rows.
SELECT l.level, CAST(a.value AS INTEGER) AS accesses, CAST(m.value AS INTEGER) AS misses,
    ROUND(m.value / NULLIF(a.value, 0), 6) AS miss_rate, CAST(COALESCE(w.value, 0) AS INTEGER) AS writebacks
FROM (SELECT 'L1i' AS level, 1 AS o UNION ALL SELECT 'L1d', 2 UNION ALL SELECT 'L2', 3 UNION ALL SELECT 'L3', 4) l
JOIN metrics a ON a.name = 'cache.' || l.level || '.accesses'
JOIN metrics m ON m.name = 'cache.' || l.level || '.misses'
LEFT JOIN metrics w ON w.name = 'cache.' || l.level || '.writebacks'
UNION ALL
SELECT substr(name, 12), CAST(value AS INTEGER), NULL, NULL, NULL FROM metrics WHERE name LIKE 'cachegrind.%';
