extension StoreSchema {
    /// The OOM killer's kills: one row per kill (who invoked it, the victim, the log lines) and
    /// one per candidate with its `oom_badness` points (NULL: unkillable).
    public static let oomTables = """
        CREATE TABLE oom_kills (seq INTEGER NOT NULL, invoker INTEGER NOT NULL, victim INTEGER NOT NULL,
            victim_name TEXT NOT NULL, points INTEGER NOT NULL, total_pages INTEGER NOT NULL,
            constraint_name TEXT NOT NULL, memcg TEXT, gfp_mask INTEGER NOT NULL, ord INTEGER NOT NULL,
            anon_rss_kb INTEGER NOT NULL, file_rss_kb INTEGER NOT NULL, shmem_rss_kb INTEGER NOT NULL,
            log TEXT NOT NULL);
        CREATE TABLE oom_candidates (seq INTEGER NOT NULL, pid INTEGER NOT NULL, name TEXT NOT NULL,
            total_vm INTEGER NOT NULL, rss INTEGER NOT NULL, rss_anon INTEGER NOT NULL, rss_file INTEGER NOT NULL,
            rss_shmem INTEGER NOT NULL, pgtables_bytes INTEGER NOT NULL, swapents INTEGER NOT NULL,
            oom_score_adj INTEGER NOT NULL, points INTEGER, chosen INTEGER NOT NULL);
        """

    public static let insertOOMKill = """
        INSERT INTO oom_kills (seq, invoker, victim, victim_name, points, total_pages, constraint_name, memcg, gfp_mask, ord,
            anon_rss_kb, file_rss_kb, shmem_rss_kb, log) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
        """

    public static let insertOOMCandidate = """
        INSERT INTO oom_candidates (seq, pid, name, total_vm, rss, rss_anon, rss_file, rss_shmem, pgtables_bytes, swapents,
            oom_score_adj, points, chosen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
        """
}
