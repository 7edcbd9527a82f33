import CSQLite
import MemModel
import MemReplay
import MemTrace

/// The dimension rows (processes, threads, VMAs, files, strings), the per-family fact rows other
/// than accesses, and the enum tables of `SQLiteStore`.
extension SQLiteStore {
    public func process(_ process: ProcessRecord) throws {
        add(.processes) { r in
            r.put(process.pid.rawValue); r.put(process.parent.rawValue); r.put(text: process.image)
            r.put(process.startSeq); r.put(process.endSeq); r.put(optional: process.exitStatus)
        }
        try flushIfFull()
    }

    public func thread(_ thread: ThreadRecord) throws {
        add(.threads) { r in r.put(thread.tid.rawValue); r.put(thread.pid.rawValue); r.put(thread.startSeq); r.put(thread.endSeq) }
        try flushIfFull()
    }

    public func vma(_ vma: VMARecord) throws {
        add(.vmas) { r in
            r.put(vma.id.rawValue); r.put(vma.pid.rawValue); r.put(vma.start); r.put(vma.end)
            r.put(vma.prot.rawValue); r.put(vma.flags.rawValue); r.put(vma.file.rawValue)
            r.put(vma.offset); r.put(text: vma.name); r.put(vma.startSeq); r.put(vma.endSeq)
        }
        try flushIfFull()
    }

    public func file(_ file: FileRecord) throws {
        add(.files) { r in r.put(file.id.rawValue); r.put(text: file.path); r.put(file.size) }
        try flushIfFull()
    }

    public func string(_ id: StringID, _ text: String) throws {
        add(.strings) { r in r.put(id.rawValue); r.put(text: text) }
        try flushIfFull()
    }

    /// An access row without a hardware outcome.
    @inline(__always) func recordAccess(_ seq: Int64, _ rec: TraceRecord, _ a: MemoryAccess, _ t: Translation) {
        add(.accesses) { r in
            r.putEvent(seq, rec); r.put(a.kind.rawValue); r.put(a.address.rawValue); r.put(a.size)
            r.put(t.fault.rawValue); r.put(t.frame.rawValue); r.put(t.vma.rawValue)
        }
    }

    @inline(__always) func recordProcess(_ seq: Int64, _ rec: TraceRecord, _ p: ProcessEvent, _ r: ProcessResult) {
        add(.processEvents) { s in
            s.putEvent(seq, rec); s.put(p.op.rawValue); s.put(p.process.rawValue); s.put(p.thread.rawValue)
            s.put(p.image.rawValue); s.put(p.status); s.put(r.pid.rawValue); s.put(r.pages); s.put(r.errno)
        }
    }

    @inline(__always) func recordAlloc(_ seq: Int64, _ rec: TraceRecord, _ a: AllocationCall, _ r: AllocationResult) {
        add(.allocCalls) { s in
            s.putEvent(seq, rec); s.put(a.op.rawValue); s.put(a.pointer.rawValue); s.put(a.size)
            s.put(a.count); s.put(a.alignment); s.put(a.result.rawValue); s.put(a.error)
            s.put(r.blockSize); s.put(r.liveBytes); s.put(a.stack.rawValue)
        }
    }

    @inline(__always) func recordMemory(_ seq: Int64, _ rec: TraceRecord, _ m: MemoryCall, _ r: SyscallResult) {
        add(.memoryCalls) { s in
            s.putEvent(seq, rec); s.put(m.op.rawValue); s.put(m.address.rawValue); s.put(m.length)
            s.put(m.newLength); s.put(m.prot.rawValue); s.put(m.flags); s.put(m.file.rawValue)
            s.put(m.offset); s.put(m.name.rawValue); s.put(m.result); s.put(r.result)
            s.put(r.errno); s.put(r.vma.rawValue); s.put(r.pagesFreed); s.put(r.pagesPopulated)
            s.put(r.pagesWritten)
        }
    }

    @inline(__always) func recordFile(_ seq: Int64, _ rec: TraceRecord, _ f: FileCall, _ r: FileResult) {
        add(.fileCalls) { s in
            s.putEvent(seq, rec); s.put(f.op.rawValue); s.put(f.file.rawValue); s.put(f.path.rawValue)
            s.put(f.offset); s.put(f.length); s.put(f.size); s.put(f.flags); s.put(f.result)
            s.put(r.pagesCached); s.put(r.pagesRead)
            // pages_changed: the three counts in one, as schema version 2 stored them (one is non-zero).
            s.put(r.pagesDirtied &+ r.pagesWritten &+ r.pagesDropped)
            s.put(r.pagesDirtied); s.put(r.pagesWritten); s.put(r.pagesDropped)
        }
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
