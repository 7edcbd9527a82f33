-- hw-dram-row-hits.sql — DRAM row-buffer outcomes per channel and overall: hits, misses, conflicts.
-- Reads: hw_accesses (dram, dram_channel), dram_outcomes.
-- row_hit_rate is row hits over all DRAM reads of that channel; the 'all' row sums the channels.
-- One pass over hw_accesses: the 'all' row sums the channels' rows.
WITH c AS MATERIALIZED (
    SELECT dram_channel, COUNT(*) AS reads, SUM(dram = 1) AS row_hits, SUM(dram = 2) AS row_misses,
        SUM(dram = 3) AS row_conflicts
    FROM hw_accesses WHERE dram > 0 GROUP BY dram_channel)
SELECT CAST(dram_channel AS TEXT) AS channel, reads, row_hits, row_misses, row_conflicts,
    ROUND(1.0 * row_hits / reads, 6) AS row_hit_rate
FROM c
UNION ALL
SELECT 'all', COALESCE(SUM(reads), 0), SUM(row_hits), SUM(row_misses), SUM(row_conflicts),
    ROUND(1.0 * SUM(row_hits) / MAX(COALESCE(SUM(reads), 0), 1), 6)
FROM c;
