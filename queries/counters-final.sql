-- counters-final.sql — every kernel counter's first and last snapshot value and the change between.
-- Reads: counter_samples, counter_names.
-- Columns: counter, first_seq, first_value, last_seq, last_value, change. Ordered by counter name.
SELECT n.name AS counter,
       min(c.seq) AS first_seq,
       (SELECT value FROM counter_samples x WHERE x.counter = n.id ORDER BY x.seq, x.rowid LIMIT 1) AS first_value,
       max(c.seq) AS last_seq,
       (SELECT value FROM counter_samples x WHERE x.counter = n.id ORDER BY x.seq DESC, x.rowid DESC LIMIT 1)
           AS last_value,
       (SELECT value FROM counter_samples x WHERE x.counter = n.id ORDER BY x.seq DESC, x.rowid DESC LIMIT 1)
         - (SELECT value FROM counter_samples x WHERE x.counter = n.id ORDER BY x.seq, x.rowid LIMIT 1) AS change
FROM counter_names n
JOIN counter_samples c ON c.counter = n.id
GROUP BY n.id
ORDER BY n.name;
