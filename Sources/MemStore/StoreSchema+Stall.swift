extension StoreSchema {
    /// The stall each event suffered (only events with one): per cause, in virtual ns
    /// (`MemoryStall`), and the view that names the event.
    public static let stallTables = """
        CREATE TABLE stalls (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, direct_reclaim_ns INTEGER NOT NULL,
            compaction_ns INTEGER NOT NULL, memcg_reclaim_ns INTEGER NOT NULL, swap_in_ns INTEGER NOT NULL,
            refault_ns INTEGER NOT NULL, dirty_throttle_ns INTEGER NOT NULL, memory_ns INTEGER NOT NULL,
            total_ns INTEGER NOT NULL);
        """

    /// `v_stalls`: each stall with its event's `tid`, `time`, kind and family (NULL when a `--rows`
    /// run kept no row of that event), read from the event's family table by rowid.
    public static let stallViews: String = {
        let e = eventJoin(on: "s.seq")
        return """
            CREATE VIEW v_stalls AS
                SELECT s.seq, s.pid, \(e.tid) AS tid, \(e.time) AS time, k.name AS kind, k.family, s.direct_reclaim_ns,
                    s.compaction_ns, s.memcg_reclaim_ns, s.swap_in_ns, s.refault_ns, s.dirty_throttle_ns, s.memory_ns, s.total_ns
                FROM stalls s \(e.joins) LEFT JOIN event_kinds k ON k.id = \(e.kind);
            """
    }()

    public static let insertStall = """
        INSERT INTO stalls (seq, pid, direct_reclaim_ns, compaction_ns, memcg_reclaim_ns, swap_in_ns, refault_ns,
            dirty_throttle_ns, memory_ns, total_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        """
}
