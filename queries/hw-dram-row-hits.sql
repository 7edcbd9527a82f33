-- hw-dram-row-hits.sql — DRAM row-buffer outcomes per channel and overall: hits, misses, conflicts.
-- Reads: dram_summary (the accesses of hw_accesses with a DRAM outcome, counted per channel and
--        outcome during the replay).
-- row_hit_rate is row hits over all DRAM reads of that channel; the 'all' row sums the channels.
WITH c AS MATERIALIZED (
    SELECT channel AS dram_channel, SUM(accesses) AS reads,
        SUM(CASE WHEN dram = 1 THEN accesses ELSE 0 END) AS row_hits,
        SUM(CASE WHEN dram = 2 THEN accesses ELSE 0 END) AS row_misses,
        SUM(CASE WHEN dram = 3 THEN accesses ELSE 0 END) AS row_conflicts
    FROM dram_summary WHERE dram > 0 GROUP BY channel)
SELECT CAST(dram_channel AS TEXT) AS channel, reads, row_hits, row_misses, row_conflicts,
    ROUND(1.0 * row_hits / reads, 6) AS row_hit_rate
FROM c
UNION ALL
SELECT 'all', COALESCE(SUM(reads), 0), SUM(row_hits), SUM(row_misses), SUM(row_conflicts),
    ROUND(1.0 * SUM(row_hits) / MAX(COALESCE(SUM(reads), 0), 1), 6)
FROM c;
