-- oom-victims.sql — every OOM kill: who asked, who was chosen and with how many points, its RSS at the kill, the
-- constraint (global or a memory cgroup), and the runner-up candidate's points.
-- Reads: oom_kills, oom_candidates.
SELECT k.seq, k.invoker, k.victim, k.victim_name, k.points, k.constraint_name, k.memcg,
    k.anon_rss_kb, k.file_rss_kb, k.shmem_rss_kb,
    (SELECT MAX(c.points) FROM oom_candidates c WHERE c.seq = k.seq AND c.chosen = 0) AS runner_up_points,
    (SELECT COUNT(*) FROM oom_candidates c WHERE c.seq = k.seq) AS candidates
FROM oom_kills k
ORDER BY k.seq;
