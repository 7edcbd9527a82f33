/// The SQL text of the run database: PRAGMAs, tables, the fact-table INSERTs, indexes and views.
///
/// Public so the benchmark's bare C-API loop can create the very same schema and prepare the very
/// same statements. docs/schema.md describes every table and view.
public enum StoreSchema {
    /// The schema version, stored as `PRAGMA user_version`.
    public static let version = 9

    /// Settings for a one-shot bulk load into a private file (no journal, no fsync).
    public static let bulkLoadPragmas = """
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        PRAGMA locking_mode = EXCLUSIVE;
        PRAGMA cache_size = -262144;
        PRAGMA temp_store = MEMORY;
        PRAGMA user_version = \(version);
        """

    /// Every table, created empty before the load. Each event is one row of its family's table
    /// (`accesses`, `process_events`, `alloc_calls`, `memory_calls`, `file_calls`, `control_events`),
    /// its sequence number the rowid; `accesses` has the packed hardware outcome columns
    /// (`hardwareColumns`) only when `hardware` is set — a run without the hardware model adds them
    /// in `finish` (`addHardwareColumns`), so they take no byte in its rows.
    public static func tables(hardware: Bool) -> String {
        tablesSQL.replacing("$HARDWARE", with: hardware ? ", " + hardwareColumns : "")
    }

    private static let tablesSQL = """
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
        CREATE TABLE accesses (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, tid INTEGER NOT NULL,
            time INTEGER NOT NULL, kind INTEGER NOT NULL, address INTEGER NOT NULL, size INTEGER NOT NULL,
            fault INTEGER NOT NULL, frame INTEGER NOT NULL, vma INTEGER NOT NULL$HARDWARE);
        CREATE TABLE process_events (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, tid INTEGER NOT NULL,
            time INTEGER NOT NULL, op INTEGER NOT NULL, process INTEGER NOT NULL, thread INTEGER NOT NULL,
            image INTEGER NOT NULL, status INTEGER NOT NULL, result_pid INTEGER NOT NULL, pages INTEGER NOT NULL,
            errno INTEGER NOT NULL);
        CREATE TABLE alloc_calls (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, tid INTEGER NOT NULL,
            time INTEGER NOT NULL, op INTEGER NOT NULL, pointer INTEGER NOT NULL, size INTEGER NOT NULL,
            count INTEGER NOT NULL, alignment INTEGER NOT NULL, result INTEGER NOT NULL, error INTEGER NOT NULL,
            block_size INTEGER NOT NULL, live_bytes INTEGER NOT NULL, stack INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE memory_calls (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, tid INTEGER NOT NULL,
            time INTEGER NOT NULL, op INTEGER NOT NULL, address INTEGER NOT NULL, length INTEGER NOT NULL,
            new_length INTEGER NOT NULL, prot INTEGER NOT NULL, flags INTEGER NOT NULL, file INTEGER NOT NULL,
            offset INTEGER NOT NULL, name INTEGER NOT NULL, recorded_result INTEGER NOT NULL,
            result INTEGER NOT NULL, errno INTEGER NOT NULL, vma INTEGER NOT NULL, pages_freed INTEGER NOT NULL,
            pages_populated INTEGER NOT NULL, pages_written INTEGER NOT NULL);
        CREATE TABLE file_calls (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, tid INTEGER NOT NULL,
            time INTEGER NOT NULL, op INTEGER NOT NULL, file INTEGER NOT NULL, path INTEGER NOT NULL,
            offset INTEGER NOT NULL, length INTEGER NOT NULL, size INTEGER NOT NULL, flags INTEGER NOT NULL,
            result INTEGER NOT NULL, pages_cached INTEGER NOT NULL, pages_read INTEGER NOT NULL,
            pages_changed INTEGER NOT NULL, pages_dirtied INTEGER NOT NULL, pages_written INTEGER NOT NULL,
            pages_dropped INTEGER NOT NULL);
        CREATE TABLE control_events (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, tid INTEGER NOT NULL,
            time INTEGER NOT NULL, op INTEGER NOT NULL, name INTEGER NOT NULL, key INTEGER NOT NULL,
            value INTEGER NOT NULL, target INTEGER NOT NULL);
        CREATE TABLE faults (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, pid INTEGER NOT NULL,
            address INTEGER NOT NULL, kind INTEGER NOT NULL, vma INTEGER NOT NULL, frame INTEGER NOT NULL,
            page_size INTEGER NOT NULL, node INTEGER NOT NULL, zone INTEGER, stack INTEGER NOT NULL DEFAULT 0);
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
    /// The one-row INSERT of an access without a hardware outcome (its hardware columns, when the
    /// table has them, stay NULL).
    public static let insertAccess = """
        INSERT INTO accesses (seq, pid, tid, time, kind, address, size, fault, frame, vma)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        """
    public static let insertProcessEvent = """
        INSERT INTO process_events (seq, pid, tid, time, op, process, thread, image, status, result_pid, pages, errno)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
        """
    public static let insertAllocCall = """
        INSERT INTO alloc_calls (seq, pid, tid, time, op, pointer, size, count, alignment, result, error, block_size,
            live_bytes, stack) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
        """
    public static let insertMemoryCall = """
        INSERT INTO memory_calls (seq, pid, tid, time, op, address, length, new_length, prot, flags, file, offset, name,
            recorded_result, result, errno, vma, pages_freed, pages_populated, pages_written)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
        """
    public static let insertFileCall = """
        INSERT INTO file_calls (seq, pid, tid, time, op, file, path, offset, length, size, flags, result, pages_cached,
            pages_read, pages_changed, pages_dirtied, pages_written, pages_dropped)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
        """
    public static let insertControlEvent = """
        INSERT INTO control_events (seq, pid, tid, time, op, name, key, value, target)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
        """
    public static let insertFault =
        "INSERT INTO faults (seq, pid, address, kind, vma, frame, page_size, node, zone, stack) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
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
}
