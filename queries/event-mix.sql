-- event-mix.sql — how many events of each kind the trace holds, and their share of all events.
-- Reads: events (the view over the family tables), event_kinds.
-- Columns: family, kind, events, percent (of all events, two decimals). Most frequent first.
SELECT k.family,
       k.name AS kind,
       count(*) AS events,
       round(100.0 * count(*) / (SELECT count(*) FROM events), 2) AS percent
FROM events e
JOIN event_kinds k ON k.id = e.kind
GROUP BY e.kind
ORDER BY events DESC, e.kind;
