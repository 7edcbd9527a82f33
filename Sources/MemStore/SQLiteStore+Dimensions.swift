import CSQLite
import MemModel
import MemReplay
import MemTrace

/// The dimension rows (processes, threads, VMAs, files, strings), the per-family fact rows other
/// than accesses, and the enum tables of `SQLiteStore`.
extension SQLiteStore {
    public func process(_ process: ProcessRecord) throws {
        let s = upsertProcess
        s.bind(1, process.pid.rawValue); s.bind(2, process.parent.rawValue); s.bind(3, process.image)
        s.bind(4, process.startSeq); s.bind(5, process.endSeq)
        if let status = process.exitStatus { s.bind(6, status) } else { s.bindNull(6) }
        try check(s.execute(), "processes")
    }

    public func thread(_ thread: ThreadRecord) throws {
        let s = upsertThread
        s.bind(1, thread.tid.rawValue); s.bind(2, thread.pid.rawValue); s.bind(3, thread.startSeq)
        s.bind(4, thread.endSeq)
        try check(s.execute(), "threads")
    }

    public func vma(_ vma: VMARecord) throws {
        let s = upsertVMA
        s.bind(1, vma.id.rawValue); s.bind(2, vma.pid.rawValue); s.bind(3, vma.start); s.bind(4, vma.end)
        s.bind(5, vma.prot.rawValue); s.bind(6, vma.flags.rawValue); s.bind(7, vma.file.rawValue)
        s.bind(8, vma.offset); s.bind(9, vma.name); s.bind(10, vma.startSeq); s.bind(11, vma.endSeq)
        try check(s.execute(), "vmas")
    }

    public func file(_ file: FileRecord) throws {
        let s = upsertFile
        s.bind(1, file.id.rawValue); s.bind(2, file.path); s.bind(3, file.size)
        try check(s.execute(), "files")
    }

    public func string(_ id: StringID, _ text: String) throws {
        let s = upsertString
        s.bind(1, id.rawValue); s.bind(2, text)
        try check(s.execute(), "strings")
    }

    @inline(__always) func recordProcess(_ seq: Int64, _ p: ProcessEvent, _ r: ProcessResult) throws {
        let s = insertProcessEvent
        s.bind(1, seq); s.bind(2, p.op.rawValue); s.bind(3, p.process.rawValue); s.bind(4, p.thread.rawValue)
        s.bind(5, p.image.rawValue); s.bind(6, p.status); s.bind(7, r.pid.rawValue); s.bind(8, r.pages); s.bind(9, r.errno)
        try check(s.execute(), "process_events")
    }

    @inline(__always) func recordAlloc(_ seq: Int64, _ a: AllocationCall, _ r: AllocationResult) throws {
        let s = insertAllocCall
        s.bind(1, seq); s.bind(2, a.op.rawValue); s.bind(3, a.pointer.rawValue); s.bind(4, a.size)
        s.bind(5, a.count); s.bind(6, a.alignment); s.bind(7, a.result.rawValue); s.bind(8, a.error)
        s.bind(9, r.blockSize); s.bind(10, r.liveBytes)
        try check(s.execute(), "alloc_calls")
    }

    @inline(__always) func recordMemory(_ seq: Int64, _ m: MemoryCall, _ r: SyscallResult) throws {
        let s = insertMemoryCall
        s.bind(1, seq); s.bind(2, m.op.rawValue); s.bind(3, m.address.rawValue); s.bind(4, m.length)
        s.bind(5, m.newLength); s.bind(6, m.prot.rawValue); s.bind(7, m.flags); s.bind(8, m.file.rawValue)
        s.bind(9, m.offset); s.bind(10, m.name.rawValue); s.bind(11, m.result); s.bind(12, r.result)
        s.bind(13, r.errno); s.bind(14, r.vma.rawValue); s.bind(15, r.pagesFreed); s.bind(16, r.pagesPopulated)
        s.bind(17, r.pagesWritten)
        try check(s.execute(), "memory_calls")
    }

    @inline(__always) func recordFile(_ seq: Int64, _ f: FileCall, _ r: FileResult) throws {
        let s = insertFileCall
        s.bind(1, seq); s.bind(2, f.op.rawValue); s.bind(3, f.file.rawValue); s.bind(4, f.path.rawValue)
        s.bind(5, f.offset); s.bind(6, f.length); s.bind(7, f.size); s.bind(8, f.flags); s.bind(9, f.result)
        s.bind(10, r.pagesCached); s.bind(11, r.pagesRead)
        // pages_changed: the three counts in one, as schema version 2 stored them (one is non-zero).
        s.bind(12, r.pagesDirtied &+ r.pagesWritten &+ r.pagesDropped)
        s.bind(13, r.pagesDirtied); s.bind(14, r.pagesWritten); s.bind(15, r.pagesDropped)
        try check(s.execute(), "file_calls")
    }

    /// Fills the enum tables from the Swift enums, so the names always match the code.
    func fillEnumTables() throws {
        try fill("event_kinds", EventKind.allCases.map { (Int64($0.rawValue), $0.name, $0.family) })
        try fill("access_kinds", AccessKind.allCases.map { (Int64($0.rawValue), $0.name, nil) })
        try fill("process_ops", ProcessOp.allCases.map { (Int64($0.rawValue), $0.name, nil) })
        try fill("alloc_ops", AllocOp.allCases.map { (Int64($0.rawValue), $0.name, nil) })
        try fill("memory_ops", MemoryOp.allCases.map { (Int64($0.rawValue), $0.name, nil) })
        try fill("file_ops", FileOp.allCases.map { (Int64($0.rawValue), $0.name, nil) })
        try fill("control_ops", ControlOp.allCases.map { (Int64($0.rawValue), $0.name, nil) })
        try fill("errnos", Errno.all.map { (Int64($0.errno.rawValue), $0.name, nil) })
        try fill("zone_types", ZoneType.all.map { (Int64($0.rawValue), $0.name, nil) })
        let faults = try db.prepare("INSERT INTO fault_kinds (id, name, is_major, is_signal) VALUES (?1, ?2, ?3, ?4)")
        defer { faults.finalize() }
        for kind in FaultKind.allCases {
            faults.bind(1, kind.rawValue); faults.bind(2, kind.name)
            faults.bind(3, Int64(kind.isMajor ? 1 : 0)); faults.bind(4, Int64(kind.isSignal ? 1 : 0))
            try check(faults.execute(), "fault_kinds")
        }
    }

    private func fill(_ table: StaticString, _ rows: [(Int64, String, String?)]) throws {
        let withFamily = rows.first?.2 != nil
        let sql = withFamily ? "INSERT INTO \(table) (id, name, family) VALUES (?1, ?2, ?3)"
                             : "INSERT INTO \(table) (id, name) VALUES (?1, ?2)"
        let stmt = try db.prepare(sql)
        defer { stmt.finalize() }
        for (id, name, family) in rows {
            stmt.bind(1, id); stmt.bind(2, name)
            if let family { stmt.bind(3, family) }
            try check(stmt.execute(), table)
        }
    }
}
