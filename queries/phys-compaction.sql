-- phys-compaction.sql — compaction and watermark events between snapshots: what happened in each interval.
-- Reads: counter_samples and counter_names (through v_counters), counters vmstat.compact_*, vmstat.pgmigrate_success,
-- phys.kswapd_wakeups and zoneinfo.<zone>.crossed_below_low.
SELECT seq, counter,
    value - COALESCE(LAG(value) OVER (PARTITION BY counter ORDER BY seq), 0) AS delta, value AS total
FROM v_counters
WHERE counter LIKE 'vmstat.compact_%' OR counter = 'vmstat.pgmigrate_success' OR counter = 'phys.kswapd_wakeups'
    OR counter LIKE 'zoneinfo.%.crossed_below_low'
ORDER BY seq, counter;
