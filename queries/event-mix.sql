-- event-mix.sql — how many events of each kind the trace holds, and their share of all events.
-- Reads: event_summary (events per pid, phase and kind, counted during the replay: every event,
--        whatever --rows kept), event_kinds.
-- Columns: family, kind, events, percent (of all events, two decimals). Most frequent first.
SELECT k.family,
       k.name AS kind,
       sum(s.events) AS events,
       round(100.0 * sum(s.events) / (SELECT sum(events) FROM event_summary), 2) AS percent
FROM event_summary s
JOIN event_kinds k ON k.id = s.kind
GROUP BY s.kind
ORDER BY events DESC, s.kind;
