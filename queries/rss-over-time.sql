-- rss-over-time.sql — resident memory of each process at every snapshot, in kB.
-- Reads: process_samples (through the v_rss view), processes, the family tables (the time of the
--        snapshot's event, looked up by seq in each).
-- Columns: seq, time_ms (trace time of the snapshot's event), pid, image, rss_kb, anon_kb, file_kb,
--          shmem_kb, vm_size_kb. Ordered by seq, then pid.
SELECT r.seq,
       round(coalesce((SELECT time FROM accesses WHERE seq = r.seq UNION ALL SELECT time FROM process_events WHERE seq = r.seq
                       UNION ALL SELECT time FROM alloc_calls WHERE seq = r.seq UNION ALL SELECT time FROM memory_calls WHERE seq = r.seq
                       UNION ALL SELECT time FROM file_calls WHERE seq = r.seq UNION ALL SELECT time FROM control_events WHERE seq = r.seq),
                      0) / 1e6, 3) AS time_ms,
       r.pid,
       p.image,
       r.rss_kb,
       r.rss_anon_kb AS anon_kb,
       r.rss_file_kb AS file_kb,
       r.rss_shmem_kb AS shmem_kb,
       r.vm_size_kb
FROM v_rss r
LEFT JOIN processes p ON p.pid = r.pid
ORDER BY r.seq, r.pid;
