-- stalls-by-call.sql — which events stalled on memory, by event kind and process: how many, the total and the
-- longest stall, split by cause (direct reclaim, memcg reclaim, swap-in, dirty throttling).
-- Reads: v_stalls (stalls joined with their event's family row and event_kinds).
SELECT pid, family, kind, COUNT(*) AS events,
    SUM(total_ns) / 1000 AS total_us, MAX(total_ns) / 1000 AS max_us,
    SUM(direct_reclaim_ns) / 1000 AS direct_reclaim_us, SUM(memcg_reclaim_ns) / 1000 AS memcg_reclaim_us,
    SUM(swap_in_ns) / 1000 AS swap_in_us, SUM(dirty_throttle_ns) / 1000 AS dirty_throttle_us
FROM v_stalls
GROUP BY pid, family, kind
ORDER BY total_us DESC;
