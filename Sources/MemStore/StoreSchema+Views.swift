import MemTrace

/// The views of the run database: `events` (every event, one row each, from the family tables) and
/// the readable `v_*` views joining the enum and dimension tables.
extension StoreSchema {
    /// The per-event family tables with the `event_kinds` id of their first kind: an event's kind
    /// is `base + op` (for `accesses`, base 0 and `kind` itself).
    static let eventFamilies: [(table: String, base: UInt8, column: String)] = [
        ("accesses", EventKind.accessBase, "kind"),
        ("process_events", EventKind.processBase, "op"),
        ("alloc_calls", EventKind.allocBase, "op"),
        ("memory_calls", EventKind.memoryBase, "op"),
        ("file_calls", EventKind.fileBase, "op"),
        ("control_events", EventKind.controlBase, "op"),
    ]

    /// The `event_kinds` id of a family table's row, its columns prefixed by `alias`.
    static func eventKind(_ family: (table: String, base: UInt8, column: String), alias: String = "") -> String {
        family.base == 0 ? alias + family.column : "\(family.base) + \(alias)\(family.column)"
    }

    /// `events`: `seq`, `kind` (→ `event_kinds`), `pid`, `tid`, `time` of every event, in `seq`
    /// order — the columns of schema version 6's table of that name. A range of `seq` is a range
    /// scan of each family table, merged.
    public static let eventsView: String = {
        let arms = eventFamilies.map { "SELECT seq, \(eventKind($0)) AS kind, pid, tid, time FROM \($0.table)" }
        return "CREATE VIEW events AS\n    " + arms.joined(separator: "\n    UNION ALL ") + "\n    ORDER BY seq;"
    }()

    /// The largest `seq` of any event row (0 without any), each family's a rowid lookup.
    static let lastEventSeq: String = {
        "max(" + eventFamilies.map { "(SELECT coalesce(max(seq), 0) FROM \($0.table))" }.joined(separator: ", ") + ")"
    }()

    /// SQL giving the `time` of the first (`last` false) or last event row, reading one row per
    /// family table; no row when there is no event row.
    public static func eventTime(last: Bool) -> String {
        let order = last ? "DESC" : ""
        let arms = eventFamilies.map { "SELECT * FROM (SELECT seq, time FROM \($0.table) ORDER BY seq \(order) LIMIT 1)" }
        return "SELECT time FROM (" + arms.joined(separator: " UNION ALL ") + ") ORDER BY seq \(order) LIMIT 1"
    }

    /// The event with `seq` = `column` in the family tables, as LEFT JOINs aliased `e0…e5`, and
    /// the expressions reading its `kind`, `pid`, `tid` and `time` (NULL when no row has it).
    static func eventJoin(on column: String) -> (joins: String, kind: String, pid: String, tid: String, time: String) {
        let joins = eventFamilies.enumerated().map { "LEFT JOIN \($1.table) e\($0) ON e\($0).seq = \(column)" }
        func pick(_ c: String) -> String {
            "coalesce(" + eventFamilies.indices.map { "e\($0).\(c)" }.joined(separator: ", ") + ")"
        }
        let kinds = eventFamilies.enumerated().map { eventKind($1, alias: "e\($0).") }
        return (joins.joined(separator: " "), "coalesce(" + kinds.joined(separator: ", ") + ")",
                pick("pid"), pick("tid"), pick("time"))
    }

    /// `v_events`: `events` with each kind's name and family, in `seq` order. Each family table is
    /// joined with `event_kinds` on its own and the arms are merged by `seq`: every arm is read in
    /// rowid order, so the order costs no sort, and a filter reaches each arm. (A join of the
    /// `events` view with `event_kinds` would be materialized first, and SQLite drops the view's
    /// `ORDER BY` inside a join: its rows came in family order.)
    public static let eventsNamedView: String = {
        let arms = eventFamilies.enumerated().map { i, family in
            "SELECT e\(i).seq, k.name AS kind, k.family, e\(i).pid, e\(i).tid, e\(i).time FROM \(family.table) e\(i) "
                + "JOIN event_kinds k ON k.id = \(eventKind(family, alias: "e\(i)."))"
        }
        return "CREATE VIEW v_events AS\n    " + arms.joined(separator: "\n    UNION ALL ") + "\n    ORDER BY seq;"
    }()

    /// Views with readable names, joining the enum and dimension tables.
    public static let views = eventsView + "\n" + eventsNamedView + "\n" + """
        CREATE VIEW v_accesses AS
            SELECT a.seq, a.pid, a.tid, a.time, k.name AS kind, a.address, a.size, f.name AS fault,
                a.frame, a.vma
            FROM accesses a JOIN access_kinds k ON k.id = a.kind
            JOIN fault_kinds f ON f.id = a.fault;
        CREATE VIEW v_faults AS
            SELECT f.id, f.seq, f.pid, f.address, k.name AS kind, k.is_major, k.is_signal, f.vma,
                v.name AS vma_name, f.frame, f.page_size, f.node, z.name AS zone, f.stack
            FROM faults f JOIN fault_kinds k ON k.id = f.kind LEFT JOIN vmas v ON v.id = f.vma
            LEFT JOIN zone_types z ON z.id = f.zone;
        CREATE VIEW v_memory_calls AS
            SELECT m.seq, m.pid, m.tid, m.time, o.name AS op, m.address, m.length, m.new_length, m.prot,
                m.flags, m.file, m.offset, s.text AS name, m.recorded_result, m.result, m.errno,
                n.name AS errno_name, m.vma, m.pages_freed, m.pages_populated, m.pages_written
            FROM memory_calls m JOIN memory_ops o ON o.id = m.op
            LEFT JOIN errnos n ON n.id = m.errno LEFT JOIN strings s ON s.id = m.name;
        CREATE VIEW v_alloc_calls AS
            SELECT a.seq, a.pid, a.tid, a.time, o.name AS op, a.pointer, a.size, a.count, a.alignment,
                a.result, a.error, n.name AS error_name, a.block_size, a.live_bytes, a.stack
            FROM alloc_calls a JOIN alloc_ops o ON o.id = a.op
            LEFT JOIN errnos n ON n.id = a.error;
        CREATE VIEW v_file_calls AS
            SELECT c.seq, c.pid, c.tid, c.time, o.name AS op, c.file, f.path, c.offset, c.length, c.size,
                c.flags, c.result, CASE WHEN c.result < 0 AND c.result > -4096 THEN -c.result ELSE 0 END AS errno,
                n.name AS errno_name, c.pages_cached, c.pages_read, c.pages_changed, c.pages_dirtied,
                c.pages_written, c.pages_dropped
            FROM file_calls c JOIN file_ops o ON o.id = c.op
            LEFT JOIN files f ON f.id = c.file
            LEFT JOIN errnos n ON c.result < 0 AND c.result > -4096 AND n.id = -c.result;
        CREATE VIEW v_control_events AS
            SELECT c.seq, c.pid, c.time, o.name AS op, sn.text AS name, sk.text AS key, c.value, c.target
            FROM control_events c JOIN control_ops o ON o.id = c.op
            LEFT JOIN strings sn ON sn.id = c.name LEFT JOIN strings sk ON sk.id = c.key;
        CREATE VIEW v_phases AS
            SELECT s.text AS name, c.seq AS start_seq,
                COALESCE(LEAD(c.seq) OVER (ORDER BY c.seq),
                         MAX(\(lastEventSeq),
                             (SELECT COALESCE(MAX(events), 0) FROM runs)) + 1) AS end_seq,
                c.time AS start_time, c.pid
            FROM control_events c LEFT JOIN strings s ON s.id = c.name
            WHERE c.op = 0;
        CREATE VIEW v_counters AS
            SELECT c.seq, c.time, n.name AS counter, c.value
            FROM counter_samples c JOIN counter_names n ON n.id = c.counter;
        CREATE VIEW v_rss AS
            SELECT seq, pid, (rss_anon + rss_file + rss_shmem) * 4 AS rss_kb, rss_anon * 4 AS rss_anon_kb,
                rss_file * 4 AS rss_file_kb, rss_shmem * 4 AS rss_shmem_kb, vm_size * 4 AS vm_size_kb
            FROM process_samples;
        """
}
