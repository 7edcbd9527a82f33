-- hw-dram-row-hits.sql — DRAM row-buffer outcomes per channel and overall: hits, misses, conflicts.
-- Reads: hw_accesses (dram, dram_channel), dram_outcomes.
-- row_hit_rate is row hits over all DRAM reads of that channel; the 'all' row sums the channels.
SELECT CAST(dram_channel AS TEXT) AS channel, COUNT(*) AS reads, SUM(dram = 1) AS row_hits, SUM(dram = 2) AS row_misses,
    SUM(dram = 3) AS row_conflicts, ROUND(1.0 * SUM(dram = 1) / COUNT(*), 6) AS row_hit_rate
FROM hw_accesses WHERE dram > 0 GROUP BY dram_channel
UNION ALL
SELECT 'all', COUNT(*), SUM(dram = 1), SUM(dram = 2), SUM(dram = 3), ROUND(1.0 * SUM(dram = 1) / MAX(COUNT(*), 1), 6)
FROM hw_accesses WHERE dram > 0;
