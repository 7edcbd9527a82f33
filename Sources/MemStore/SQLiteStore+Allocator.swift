import MemModel
import MemReplay

/// The allocator model's rows of `SQLiteStore`: one `alloc_outcomes` row per malloc-family call
/// an allocator model handled, and the `alloc_paths` names.
extension SQLiteStore {
    /// Stores what the allocator model did for the call with sequence number `seq` (nothing when
    /// no model ran: replay as recorded without `--allocator`).
    @inline(__always)
    func recordAllocOutcome(_ seq: Int64, _ r: AllocationResult) throws {
        guard r.path != .none || r.modelAddress != 0 || r.syscalls != 0 || r.chunkSize != 0 else { return }
        let s = insertAllocOutcome
        s.bind(1, seq); s.bind(2, r.modelAddress); s.bind(3, r.chunkSize); s.bind(4, r.path.rawValue)
        s.bind(5, r.syscalls); s.bind(6, r.firstSyscall)
        try check(s.execute(), "alloc_outcomes")
    }

    /// Names for `alloc_outcomes.path`.
    func fillAllocatorEnums() throws {
        let stmt = try db.prepare("INSERT INTO alloc_paths (id, name) VALUES (?1, ?2)")
        defer { stmt.finalize() }
        for (path, name) in AllocPath.all {
            stmt.bind(1, path.rawValue); stmt.bind(2, name)
            try check(stmt.execute(), "alloc_paths")
        }
    }
}
