import MemModel
import MemReplay

/// The allocator model's rows of `SQLiteStore`: one `alloc_outcomes` row per malloc-family call
/// an allocator model handled, and the `alloc_paths` names.
extension SQLiteStore {
    /// Stores what the allocator model did for the call with sequence number `seq` (nothing when
    /// no model ran: replay as recorded without `--allocator`).
    @inline(__always)
    func recordAllocOutcome(_ seq: Int64, _ r: AllocationResult) {
        guard SQLiteStore.hasOutcomeRow(r) else { return }
        add(.allocOutcomes) { s in
            s.put(seq); s.put(r.modelAddress); s.put(r.chunkSize); s.put(r.path.rawValue)
            s.put(r.syscalls); s.put(r.firstSyscall)
        }
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
