-- file-cache.sql — page-cache behaviour per file: reads, writes, cache hits and storage reads.
-- Reads: file_calls, file_ops, files.
-- Columns: file (id), path, size, reads, writes, bytes_read, bytes_written, pages_cached (already in
--          the cache), pages_read (from storage), pages_changed (dirtied, written back or dropped),
--          hit_percent (pages_cached of pages_cached + pages_read, NULL when nothing was read),
--          pages_dirtied (by writes), pages_written (by fsync), pages_dropped (by truncate, unlink).
SELECT c.file,
       f.path,
       f.size,
       sum(o.name = 'read') AS reads,
       sum(o.name = 'write') AS writes,
       sum(CASE WHEN o.name = 'read' AND c.result > 0 THEN c.result ELSE 0 END) AS bytes_read,
       sum(CASE WHEN o.name = 'write' AND c.result > 0 THEN c.result ELSE 0 END) AS bytes_written,
       sum(c.pages_cached) AS pages_cached,
       sum(c.pages_read) AS pages_read,
       sum(c.pages_changed) AS pages_changed,
       CASE WHEN sum(c.pages_cached) + sum(c.pages_read) = 0 THEN NULL
            ELSE round(100.0 * sum(c.pages_cached) / (sum(c.pages_cached) + sum(c.pages_read)), 1) END
           AS hit_percent,
       sum(c.pages_dirtied) AS pages_dirtied,
       sum(c.pages_written) AS pages_written,
       sum(c.pages_dropped) AS pages_dropped
FROM file_calls c
JOIN file_ops o ON o.id = c.op
LEFT JOIN files f ON f.id = c.file
GROUP BY c.file
ORDER BY c.file;
