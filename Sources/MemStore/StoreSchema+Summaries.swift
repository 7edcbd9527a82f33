/// The summaries every replay keeps while it runs and writes at the end (schema version 8;
/// `fault_pages` since 9): small tables of exact counts that the slow queries of `queries/` read instead of every event's row
/// (docs/schema.md, "Summary tables").
extension StoreSchema {
    /// The summary tables (`access_summary` is `accessSummaryTable`, also written by every run).
    public static let summaryTables = """
        CREATE TABLE event_summary (pid INTEGER NOT NULL, phase INTEGER NOT NULL, kind INTEGER NOT NULL,
            events INTEGER NOT NULL, PRIMARY KEY (pid, phase, kind)) WITHOUT ROWID;
        CREATE TABLE fault_summary (pid INTEGER NOT NULL, vma INTEGER NOT NULL, phase INTEGER NOT NULL,
            kind INTEGER NOT NULL, faults INTEGER NOT NULL, PRIMARY KEY (pid, vma, phase, kind)) WITHOUT ROWID;
        CREATE TABLE latency_histogram (served_by INTEGER NOT NULL, latency INTEGER NOT NULL,
            accesses INTEGER NOT NULL, PRIMARY KEY (served_by, latency)) WITHOUT ROWID;
        CREATE TABLE dram_summary (channel INTEGER NOT NULL, dram INTEGER NOT NULL, accesses INTEGER NOT NULL,
            PRIMARY KEY (channel, dram)) WITHOUT ROWID;
        CREATE TABLE alloc_path_summary (op INTEGER NOT NULL, path INTEGER NOT NULL, calls INTEGER NOT NULL,
            requested INTEGER NOT NULL, chunk_bytes INTEGER NOT NULL, syscalls INTEGER NOT NULL,
            PRIMARY KEY (op, path)) WITHOUT ROWID;
        CREATE TABLE alloc_syscall_calls (seq INTEGER PRIMARY KEY);
        CREATE TABLE fault_pages (pid INTEGER NOT NULL, address INTEGER NOT NULL, faults INTEGER NOT NULL,
            kinds INTEGER NOT NULL, vma INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
            PRIMARY KEY (faults DESC, pid, address)) WITHOUT ROWID;
        """

    static let insertEventSummary = "INSERT INTO event_summary (pid, phase, kind, events) VALUES (?1, ?2, ?3, ?4)"
    static let insertFaultSummary = "INSERT INTO fault_summary (pid, vma, phase, kind, faults) VALUES (?1, ?2, ?3, ?4, ?5)"
    static let insertLatencyHistogram = "INSERT INTO latency_histogram (served_by, latency, accesses) VALUES (?1, ?2, ?3)"
    static let insertDRAMSummary = "INSERT INTO dram_summary (channel, dram, accesses) VALUES (?1, ?2, ?3)"
    static let insertAllocPathSummary = """
        INSERT INTO alloc_path_summary (op, path, calls, requested, chunk_bytes, syscalls) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        """
    static let insertAllocSyscallCall = "INSERT INTO alloc_syscall_calls (seq) VALUES (?1)"
    static let insertFaultPage = """
        INSERT INTO fault_pages (pid, address, faults, kinds, vma, first_seq, last_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        """
}
