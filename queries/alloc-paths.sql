-- alloc-paths.sql — how the allocator model served the malloc-family calls: per operation and path, the calls, their share, the bytes requested, the mean chunk or size-class size and the system calls they caused.
-- Reads: v_alloc_outcomes (runs replayed with --allocator; empty otherwise).
-- Columns: op, path, calls, percent (of all modelled calls), requested_bytes, mean_chunk_bytes, syscalls. Most frequent first.
SELECT op,
       path,
       count(*) AS calls,
       round(100.0 * count(*) / (SELECT count(*) FROM alloc_outcomes), 2) AS percent,
       sum(requested) AS requested_bytes,
       round(avg(chunk_size), 1) AS mean_chunk_bytes,
       sum(syscalls) AS syscalls
FROM v_alloc_outcomes
GROUP BY op, path
ORDER BY calls DESC, op, path;
