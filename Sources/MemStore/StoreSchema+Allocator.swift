import MemModel

extension StoreSchema {
    /// The allocator model's per-event rows (only runs with `--allocator` have them), the names
    /// of its paths, and a readable view joining them with the recorded calls.
    public static let allocatorTables = """
        CREATE TABLE alloc_outcomes (seq INTEGER PRIMARY KEY, model_address INTEGER NOT NULL,
            chunk_size INTEGER NOT NULL, path INTEGER NOT NULL, syscalls INTEGER NOT NULL,
            first_syscall INTEGER NOT NULL);
        CREATE TABLE alloc_paths (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE VIEW v_alloc_outcomes AS
            SELECT a.seq, a.pid, a.tid, o.name AS op, a.size * max(a.count, 1) AS requested, a.result AS recorded_address,
                m.model_address, m.chunk_size, p.name AS path, m.syscalls, mo.name AS first_syscall
            FROM alloc_outcomes m JOIN alloc_calls a ON a.seq = m.seq
            JOIN alloc_ops o ON o.id = a.op JOIN alloc_paths p ON p.id = m.path
            LEFT JOIN memory_ops mo ON mo.id = m.first_syscall;
        """

    public static let insertAllocOutcome = """
        INSERT INTO alloc_outcomes (seq, model_address, chunk_size, path, syscalls, first_syscall)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        """
}
