-- phys-buddyinfo-over-time.sql — free blocks per order of each zone at every snapshot (buddyinfo as a time series).
-- Reads: counter_samples and counter_names (through v_counters), counters buddyinfo.<zone>.<order>.
-- One row per snapshot and zone; o0 … o10 are /proc/buddyinfo's columns.
SELECT seq, substr(counter, 11, instr(substr(counter, 11), '.') - 1) AS zone,
    SUM(CASE WHEN counter LIKE '%.0' THEN value END) AS o0, SUM(CASE WHEN counter LIKE '%.1' THEN value END) AS o1,
    SUM(CASE WHEN counter LIKE '%.2' THEN value END) AS o2, SUM(CASE WHEN counter LIKE '%.3' THEN value END) AS o3,
    SUM(CASE WHEN counter LIKE '%.4' THEN value END) AS o4, SUM(CASE WHEN counter LIKE '%.5' THEN value END) AS o5,
    SUM(CASE WHEN counter LIKE '%.6' THEN value END) AS o6, SUM(CASE WHEN counter LIKE '%.7' THEN value END) AS o7,
    SUM(CASE WHEN counter LIKE '%.8' THEN value END) AS o8, SUM(CASE WHEN counter LIKE '%.9' THEN value END) AS o9,
    SUM(CASE WHEN counter LIKE '%.10' THEN value END) AS o10
FROM v_counters
WHERE counter LIKE 'buddyinfo.%'
GROUP BY seq, zone
ORDER BY seq, zone;
