-- free(1) at the start of every phase and its change over the phase, in kB.
-- "used" follows procps 3.3 as the seeds print it: total - free - buff/cache.
-- This reproduces seed 000's table when run on `memreplay synth mappings`.
-- Reads: v_phases, v_counters (counter_samples written at every phase marker).
WITH s AS (
    SELECT seq,
           MAX(CASE WHEN counter = 'free.used' THEN value END) AS used,
           MAX(CASE WHEN counter = 'meminfo.MemFree' THEN value END) AS free,
           MAX(CASE WHEN counter = 'free.shared' THEN value END) AS shared,
           MAX(CASE WHEN counter = 'free.buff_cache' THEN value END) AS buff_cache
    FROM v_counters GROUP BY seq)
SELECT p.name AS phase, a.used, a.free, a.shared, a.buff_cache,
       b.used - a.used AS d_used, b.buff_cache - a.buff_cache AS d_buff_cache, b.shared - a.shared AS d_shared
FROM v_phases p
JOIN s a ON a.seq = p.start_seq
LEFT JOIN s b ON b.seq = (SELECT MIN(seq) FROM s WHERE seq >= p.end_seq)
ORDER BY p.start_seq;
