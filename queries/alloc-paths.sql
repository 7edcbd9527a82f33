-- alloc-paths.sql — how the allocator model served the malloc-family calls: per operation and path, the calls, their share, the bytes requested, the mean chunk or size-class size and the system calls they caused.
-- Reads: alloc_path_summary (the sums per operation and path of v_alloc_outcomes' rows, kept during
--        the replay; runs replayed with --allocator, empty otherwise), alloc_ops, alloc_paths.
-- Columns: op, path, calls, percent (of all modelled calls), requested_bytes, mean_chunk_bytes, syscalls. Most frequent first.
SELECT o.name AS op,
       p.name AS path,
       s.calls,
       round(100.0 * s.calls / (SELECT sum(calls) FROM alloc_path_summary), 2) AS percent,
       s.requested AS requested_bytes,
       round(1.0 * s.chunk_bytes / s.calls, 1) AS mean_chunk_bytes,
       s.syscalls
FROM alloc_path_summary s
JOIN alloc_ops o ON o.id = s.op
JOIN alloc_paths p ON p.id = s.path
ORDER BY calls DESC, op, path;
