/// The SQL text of the run database: PRAGMAs, tables, the fact-table INSERTs, indexes and views.
///
/// Public so the benchmark's bare C-API loop can create the very same schema and prepare the very
/// same statements. docs/schema.md describes every table and view.
public enum StoreSchema {
    /// The schema version, stored as `PRAGMA user_version`.
    public static let version = 6

    /// Settings for a one-shot bulk load into a private file (no journal, no fsync).
    public static let bulkLoadPragmas = """
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        PRAGMA locking_mode = EXCLUSIVE;
        PRAGMA cache_size = -262144;
        PRAGMA temp_store = MEMORY;
        PRAGMA user_version = \(version);
        """

    /// Every table, created empty before the load.
    public static let tables = """
        CREATE TABLE runs (id INTEGER PRIMARY KEY, tool_version TEXT NOT NULL, trace_path TEXT NOT NULL,
            trace_hash TEXT NOT NULL, config_json TEXT NOT NULL, trace_header_json TEXT NOT NULL,
            started_at REAL, ended_at REAL, events INTEGER NOT NULL DEFAULT 0, user_model TEXT NOT NULL DEFAULT '');
        CREATE TABLE processes (pid INTEGER PRIMARY KEY, parent INTEGER NOT NULL, image TEXT NOT NULL,
            start_seq INTEGER NOT NULL, end_seq INTEGER NOT NULL, exit_status INTEGER);
        CREATE TABLE threads (tid INTEGER PRIMARY KEY, pid INTEGER NOT NULL, start_seq INTEGER NOT NULL,
            end_seq INTEGER NOT NULL);
        CREATE TABLE vmas (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, start INTEGER NOT NULL,
            "end" INTEGER NOT NULL, prot INTEGER NOT NULL, flags INTEGER NOT NULL, file INTEGER NOT NULL,
            offset INTEGER NOT NULL, name TEXT NOT NULL, start_seq INTEGER NOT NULL, end_seq INTEGER NOT NULL);
        CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL);
        CREATE TABLE strings (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
        CREATE TABLE event_kinds (id INTEGER PRIMARY KEY, name TEXT NOT NULL, family TEXT NOT NULL);
        CREATE TABLE access_kinds (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE process_ops (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE alloc_ops (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE memory_ops (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE file_ops (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE control_ops (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE fault_kinds (id INTEGER PRIMARY KEY, name TEXT NOT NULL, is_major INTEGER NOT NULL,
            is_signal INTEGER NOT NULL);
        CREATE TABLE errnos (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE events (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, pid INTEGER NOT NULL,
            tid INTEGER NOT NULL, time INTEGER NOT NULL);
        CREATE TABLE accesses (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, address INTEGER NOT NULL,
            size INTEGER NOT NULL, fault INTEGER NOT NULL, frame INTEGER NOT NULL, vma INTEGER NOT NULL);
        CREATE TABLE process_events (seq INTEGER PRIMARY KEY, op INTEGER NOT NULL, process INTEGER NOT NULL,
            thread INTEGER NOT NULL, image INTEGER NOT NULL, status INTEGER NOT NULL,
            result_pid INTEGER NOT NULL, pages INTEGER NOT NULL, errno INTEGER NOT NULL);
        CREATE TABLE alloc_calls (seq INTEGER PRIMARY KEY, op INTEGER NOT NULL, pointer INTEGER NOT NULL,
            size INTEGER NOT NULL, count INTEGER NOT NULL, alignment INTEGER NOT NULL, result INTEGER NOT NULL,
            error INTEGER NOT NULL, block_size INTEGER NOT NULL, live_bytes INTEGER NOT NULL);
        CREATE TABLE memory_calls (seq INTEGER PRIMARY KEY, op INTEGER NOT NULL, address INTEGER NOT NULL,
            length INTEGER NOT NULL, new_length INTEGER NOT NULL, prot INTEGER NOT NULL, flags INTEGER NOT NULL,
            file INTEGER NOT NULL, offset INTEGER NOT NULL, name INTEGER NOT NULL,
            recorded_result INTEGER NOT NULL, result INTEGER NOT NULL, errno INTEGER NOT NULL,
            vma INTEGER NOT NULL, pages_freed INTEGER NOT NULL, pages_populated INTEGER NOT NULL,
            pages_written INTEGER NOT NULL);
        CREATE TABLE file_calls (seq INTEGER PRIMARY KEY, op INTEGER NOT NULL, file INTEGER NOT NULL,
            path INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL, size INTEGER NOT NULL,
            flags INTEGER NOT NULL, result INTEGER NOT NULL, pages_cached INTEGER NOT NULL,
            pages_read INTEGER NOT NULL, pages_changed INTEGER NOT NULL, pages_dirtied INTEGER NOT NULL,
            pages_written INTEGER NOT NULL, pages_dropped INTEGER NOT NULL);
        CREATE TABLE control_events (seq INTEGER PRIMARY KEY, op INTEGER NOT NULL, name INTEGER NOT NULL,
            key INTEGER NOT NULL, value INTEGER NOT NULL, target INTEGER NOT NULL);
        CREATE TABLE faults (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, pid INTEGER NOT NULL,
            address INTEGER NOT NULL, kind INTEGER NOT NULL, vma INTEGER NOT NULL, frame INTEGER NOT NULL,
            page_size INTEGER NOT NULL, node INTEGER NOT NULL, zone INTEGER);
        CREATE TABLE zone_types (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE vma_changes (seq INTEGER NOT NULL, pid INTEGER NOT NULL, vma INTEGER NOT NULL,
            removed INTEGER NOT NULL);
        CREATE TABLE counter_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE counter_samples (seq INTEGER NOT NULL, time INTEGER NOT NULL, counter INTEGER NOT NULL,
            value INTEGER NOT NULL);
        CREATE TABLE process_samples (seq INTEGER NOT NULL, pid INTEGER NOT NULL, rss_anon INTEGER NOT NULL,
            rss_file INTEGER NOT NULL, rss_shmem INTEGER NOT NULL, vm_size INTEGER NOT NULL);
        CREATE TABLE metrics (run INTEGER NOT NULL, name TEXT NOT NULL, value REAL NOT NULL,
            PRIMARY KEY (run, name)) WITHOUT ROWID;
        """

    public static let insertRun = """
        INSERT INTO runs (id, tool_version, trace_path, trace_hash, config_json, trace_header_json, started_at, user_model)
        VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
        """
    public static let insertEvent = "INSERT INTO events (seq, kind, pid, tid, time) VALUES (?1, ?2, ?3, ?4, ?5)"
    public static let insertAccess =
        "INSERT INTO accesses (seq, kind, address, size, fault, frame, vma) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    public static let insertProcessEvent = """
        INSERT INTO process_events (seq, op, process, thread, image, status, result_pid, pages, errno)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
        """
    public static let insertAllocCall = """
        INSERT INTO alloc_calls (seq, op, pointer, size, count, alignment, result, error, block_size, live_bytes)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        """
    public static let insertMemoryCall = """
        INSERT INTO memory_calls (seq, op, address, length, new_length, prot, flags, file, offset, name,
            recorded_result, result, errno, vma, pages_freed, pages_populated, pages_written)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
        """
    public static let insertFileCall = """
        INSERT INTO file_calls (seq, op, file, path, offset, length, size, flags, result, pages_cached,
            pages_read, pages_changed, pages_dirtied, pages_written, pages_dropped)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
        """
    public static let insertControlEvent =
        "INSERT INTO control_events (seq, op, name, key, value, target) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    public static let insertFault =
        "INSERT INTO faults (seq, pid, address, kind, vma, frame, page_size, node, zone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    public static let insertVMAChange = "INSERT INTO vma_changes (seq, pid, vma, removed) VALUES (?1, ?2, ?3, ?4)"
    public static let upsertProcess = """
        INSERT OR REPLACE INTO processes (pid, parent, image, start_seq, end_seq, exit_status)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        """
    public static let upsertThread =
        "INSERT OR REPLACE INTO threads (tid, pid, start_seq, end_seq) VALUES (?1, ?2, ?3, ?4)"
    public static let upsertVMA = """
        INSERT OR REPLACE INTO vmas (id, pid, start, "end", prot, flags, file, offset, name, start_seq, end_seq)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
        """
    public static let upsertFile = "INSERT OR REPLACE INTO files (id, path, size) VALUES (?1, ?2, ?3)"
    public static let upsertString = "INSERT OR REPLACE INTO strings (id, text) VALUES (?1, ?2)"
    public static let insertCounterName = "INSERT INTO counter_names (id, name) VALUES (?1, ?2)"
    public static let insertCounterSample =
        "INSERT INTO counter_samples (seq, time, counter, value) VALUES (?1, ?2, ?3, ?4)"
    public static let insertProcessSample = """
        INSERT INTO process_samples (seq, pid, rss_anon, rss_file, rss_shmem, vm_size)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        """
    public static let insertMetric = "INSERT OR REPLACE INTO metrics (run, name, value) VALUES (1, ?1, ?2)"

    /// Secondary indexes, built once after the load.
    public static let indexes = """
        CREATE INDEX faults_seq ON faults (seq);
        CREATE INDEX faults_pid_vma ON faults (pid, vma);
        CREATE INDEX vma_changes_seq ON vma_changes (seq);
        CREATE INDEX counter_samples_counter_seq ON counter_samples (counter, seq);
        CREATE INDEX process_samples_pid_seq ON process_samples (pid, seq);
        CREATE INDEX vmas_pid ON vmas (pid, start);
        CREATE INDEX threads_pid ON threads (pid);
        CREATE INDEX control_events_op ON control_events (op, seq);
        """

    /// Views with readable names, joining the enum and dimension tables.
    public static let views = """
        CREATE VIEW v_events AS
            SELECT e.seq, k.name AS kind, k.family, e.pid, e.tid, e.time
            FROM events e JOIN event_kinds k ON k.id = e.kind;
        CREATE VIEW v_accesses AS
            SELECT a.seq, e.pid, e.tid, e.time, k.name AS kind, a.address, a.size, f.name AS fault,
                a.frame, a.vma
            FROM accesses a JOIN events e ON e.seq = a.seq JOIN access_kinds k ON k.id = a.kind
            JOIN fault_kinds f ON f.id = a.fault;
        CREATE VIEW v_faults AS
            SELECT f.id, f.seq, f.pid, f.address, k.name AS kind, k.is_major, k.is_signal, f.vma,
                v.name AS vma_name, f.frame, f.page_size, f.node, z.name AS zone
            FROM faults f JOIN fault_kinds k ON k.id = f.kind LEFT JOIN vmas v ON v.id = f.vma
            LEFT JOIN zone_types z ON z.id = f.zone;
        CREATE VIEW v_memory_calls AS
            SELECT m.seq, e.pid, e.tid, e.time, o.name AS op, m.address, m.length, m.new_length, m.prot,
                m.flags, m.file, m.offset, s.text AS name, m.recorded_result, m.result, m.errno,
                n.name AS errno_name, m.vma, m.pages_freed, m.pages_populated, m.pages_written
            FROM memory_calls m JOIN events e ON e.seq = m.seq JOIN memory_ops o ON o.id = m.op
            LEFT JOIN errnos n ON n.id = m.errno LEFT JOIN strings s ON s.id = m.name;
        CREATE VIEW v_alloc_calls AS
            SELECT a.seq, e.pid, e.tid, e.time, o.name AS op, a.pointer, a.size, a.count, a.alignment,
                a.result, a.error, n.name AS error_name, a.block_size, a.live_bytes
            FROM alloc_calls a JOIN events e ON e.seq = a.seq JOIN alloc_ops o ON o.id = a.op
            LEFT JOIN errnos n ON n.id = a.error;
        CREATE VIEW v_file_calls AS
            SELECT c.seq, e.pid, e.tid, e.time, o.name AS op, c.file, f.path, c.offset, c.length, c.size,
                c.flags, c.result, CASE WHEN c.result < 0 AND c.result > -4096 THEN -c.result ELSE 0 END AS errno,
                n.name AS errno_name, c.pages_cached, c.pages_read, c.pages_changed, c.pages_dirtied,
                c.pages_written, c.pages_dropped
            FROM file_calls c JOIN events e ON e.seq = c.seq JOIN file_ops o ON o.id = c.op
            LEFT JOIN files f ON f.id = c.file
            LEFT JOIN errnos n ON c.result < 0 AND c.result > -4096 AND n.id = -c.result;
        CREATE VIEW v_control_events AS
            SELECT c.seq, e.pid, e.time, o.name AS op, sn.text AS name, sk.text AS key, c.value, c.target
            FROM control_events c JOIN events e ON e.seq = c.seq JOIN control_ops o ON o.id = c.op
            LEFT JOIN strings sn ON sn.id = c.name LEFT JOIN strings sk ON sk.id = c.key;
        CREATE VIEW v_phases AS
            SELECT s.text AS name, c.seq AS start_seq,
                COALESCE(LEAD(c.seq) OVER (ORDER BY c.seq),
                         MAX((SELECT COALESCE(MAX(seq), 0) FROM events),
                             (SELECT COALESCE(MAX(events), 0) FROM runs)) + 1) AS end_seq,
                e.time AS start_time, e.pid
            FROM control_events c JOIN events e ON e.seq = c.seq LEFT JOIN strings s ON s.id = c.name
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
