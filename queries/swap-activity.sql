-- swap-activity.sql — swap between snapshots: pages written to and read from swap, swap in use and in the swap
-- cache at each snapshot; then the swap-in faults per process.
-- Reads: v_counters (meminfo.SwapTotal/SwapFree/SwapCached, vmstat.pswpin/pswpout), v_faults (swap_in, swap_in_major).
SELECT seq, time,
    SUM(CASE WHEN counter = 'vmstat.pswpout' THEN delta END) AS pswpout,
    SUM(CASE WHEN counter = 'vmstat.pswpin' THEN delta END) AS pswpin,
    SUM(CASE WHEN counter = 'meminfo.SwapTotal' THEN value END) - SUM(CASE WHEN counter = 'meminfo.SwapFree' THEN value END) AS swap_used_kb,
    SUM(CASE WHEN counter = 'meminfo.SwapCached' THEN value END) AS swap_cached_kb
FROM (
    SELECT seq, time, counter, value,
        value - COALESCE(LAG(value) OVER (PARTITION BY counter ORDER BY seq), 0) AS delta
    FROM v_counters
    WHERE counter IN ('vmstat.pswpout', 'vmstat.pswpin', 'meminfo.SwapTotal', 'meminfo.SwapFree', 'meminfo.SwapCached')
)
GROUP BY seq, time
ORDER BY seq;
