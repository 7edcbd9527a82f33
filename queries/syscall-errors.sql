-- syscall-errors.sql — failed memory system calls and file operations, by call and errno.
-- Reads: memory_calls, memory_ops, file_calls, file_ops, errnos.
-- A memory call failed when the model's result is −errno; a file call when its recorded result is.
-- Columns: family (memory or file), op, errno, errno_name, calls, pids (distinct, comma-separated),
--          first_seq. Most frequent first.
WITH failed AS (
    SELECT 'memory' AS family, o.name AS op, m.errno AS errno, n.name AS errno_name, m.seq AS seq, m.pid AS pid
    FROM memory_calls m JOIN memory_ops o ON o.id = m.op LEFT JOIN errnos n ON n.id = m.errno
    WHERE m.errno <> 0
    UNION ALL
    SELECT 'file', o.name, -c.result, n.name, c.seq, c.pid
    FROM file_calls c JOIN file_ops o ON o.id = c.op LEFT JOIN errnos n ON n.id = -c.result
    WHERE c.result < 0 AND c.result > -4096
)
SELECT f.family, f.op, f.errno, f.errno_name, count(*) AS calls,
       (SELECT group_concat(pid, ',') FROM (
            SELECT DISTINCT g.pid FROM failed g
            WHERE g.family = f.family AND g.op = f.op AND g.errno = f.errno ORDER BY g.pid)) AS pids,
       min(f.seq) AS first_seq
FROM failed f
GROUP BY f.family, f.op, f.errno
ORDER BY calls DESC, f.family, f.op, f.errno;
