-- reclaim-over-time.sql — reclaim between snapshots: pages kswapd and direct reclaim scanned and stole, refaults,
-- and the LRU lists' sizes at each snapshot.
-- Reads: v_counters (vmstat.pgscan_*, vmstat.pgsteal_*, vmstat.workingset_refault_*, meminfo.Active/Inactive(*)).
SELECT seq, time,
    SUM(CASE WHEN counter = 'vmstat.pgscan_kswapd' THEN delta END) AS pgscan_kswapd,
    SUM(CASE WHEN counter = 'vmstat.pgscan_direct' THEN delta END) AS pgscan_direct,
    SUM(CASE WHEN counter = 'vmstat.pgsteal_kswapd' THEN delta END) AS pgsteal_kswapd,
    SUM(CASE WHEN counter = 'vmstat.pgsteal_direct' THEN delta END) AS pgsteal_direct,
    SUM(CASE WHEN counter = 'vmstat.workingset_refault_anon' THEN delta END) AS refault_anon,
    SUM(CASE WHEN counter = 'vmstat.workingset_refault_file' THEN delta END) AS refault_file,
    SUM(CASE WHEN counter = 'meminfo.Active(anon)' THEN value END) AS active_anon_kb,
    SUM(CASE WHEN counter = 'meminfo.Inactive(anon)' THEN value END) AS inactive_anon_kb,
    SUM(CASE WHEN counter = 'meminfo.Active(file)' THEN value END) AS active_file_kb,
    SUM(CASE WHEN counter = 'meminfo.Inactive(file)' THEN value END) AS inactive_file_kb
FROM (
    SELECT seq, time, counter, value,
        value - COALESCE(LAG(value) OVER (PARTITION BY counter ORDER BY seq), 0) AS delta
    FROM v_counters
    WHERE counter LIKE 'vmstat.pgscan_%' OR counter LIKE 'vmstat.pgsteal_%' OR counter LIKE 'vmstat.workingset_refault_%'
        OR counter LIKE 'meminfo.Active(%' OR counter LIKE 'meminfo.Inactive(%'
)
GROUP BY seq, time
ORDER BY seq;
