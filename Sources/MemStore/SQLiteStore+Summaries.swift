import MemModel
import MemReplay
import MemTrace

/// The summaries `SQLiteStore` keeps during every replay (`AccessSummary`, `EventSummary`,
/// `FaultSummary`, `FaultPageSummary`, `HardwareSummary`, `AllocSummary`) and writes into their tables in `finish`:
/// exact counts over every event, whatever `--rows` keeps, for the queries that would otherwise
/// read every event's row.
extension SQLiteStore {
    /// Folds one event into the summaries (before its row, if any, is added). A phase marker
    /// starts a summary phase, and counts in it. Not inlined: inlined, it made `record` too large
    /// for the row appends to stay inlined (measured: 7–8 outlined `Array.append` calls per event).
    @inline(never)
    func summarize(_ outcome: Outcome) {
        let rec = outcome.record
        switch (rec.event, outcome.detail) {
        case (.access(let a), .access(let t, let hardware)):
            accessSummary.add(pid: rec.pid, a, t, hardware)
            if hardware.isModelled { hardwareSummary.add(hardware) }
        case (.access(let a), _):
            accessSummary.add(pid: rec.pid, a, Translation(fault: .none, frame: PageFrameNumber(0), vma: .none), .none)
        case (.alloc(let a), .alloc(let r)):
            if SQLiteStore.hasOutcomeRow(r) { allocSummary.add(seq: outcome.seq, a, r) }
        case (.control(let c), _):
            if c.op == .phase {
                accessSummary.startPhase(seq: outcome.seq, name: c.name)
                eventSummary.startPhase(seq: outcome.seq)
            }
        default:
            break
        }
        eventSummary.add(pid: rec.pid, kind: rec.event.kind)
    }

    /// Folds one fault row into the fault summaries (per pid, VMA, phase and kind; per page).
    @inline(__always)
    func summarize(_ fault: FaultRecord) {
        faultSummary.add(pid: fault.pid, vma: fault.vma, phase: eventSummary.phase, kind: fault.kind)
        faultPages.add(pid: fault.pid, address: fault.address, seq: fault.seq, kind: fault.kind, vma: fault.vma)
    }

    /// Creates the summary tables and inserts every group (after the writer thread is drained).
    func writeSummaries() throws {
        try db.exec(StoreSchema.accessSummaryTable)
        try db.exec(StoreSchema.summaryTables)
        try writeAccessSummary()
        try insert(StoreSchema.insertEventSummary, "event_summary", eventSummary.rows) { s, r in
            s.bind(1, Int64(r.pid)); s.bind(2, Int64(bitPattern: r.phase)); s.bind(3, Int64(r.kind)); s.bind(4, r.events)
        }
        try insert(StoreSchema.insertFaultSummary, "fault_summary", faultSummary.rows) { s, r in
            s.bind(1, Int64(r.key.pid)); s.bind(2, Int64(r.key.vma)); s.bind(3, Int64(bitPattern: r.key.phase))
            s.bind(4, Int64(r.key.kind)); s.bind(5, r.faults)
        }
        try insert(StoreSchema.insertLatencyHistogram, "latency_histogram", hardwareSummary.latencyRows) { s, r in
            s.bind(1, Int64(r.level)); s.bind(2, Int64(r.latency)); s.bind(3, r.accesses)
        }
        try insert(StoreSchema.insertDRAMSummary, "dram_summary", hardwareSummary.dramRows) { s, r in
            s.bind(1, Int64(r.channel)); s.bind(2, Int64(r.outcome)); s.bind(3, r.accesses)
        }
        try insert(StoreSchema.insertAllocPathSummary, "alloc_path_summary", allocSummary.rows) { s, r in
            s.bind(1, Int64(r.op)); s.bind(2, Int64(r.path))
            for (i, v) in r.sums.enumerated() { s.bind(Int32(3 + i), v) }
        }
        try insert(StoreSchema.insertAllocSyscallCall, "alloc_syscall_calls", allocSummary.syscallCalls) { s, seq in
            s.bind(1, Int64(bitPattern: seq))
        }
        // In the table's order (most faults first), so each row is appended to the B-tree.
        let pages = faultPages
        try insert(StoreSchema.insertFaultPage, "fault_pages", pages.ranked()) { s, i in
            let p = pages.page(i)
            s.bind(1, Int64(pages.pids[i])); s.bind(2, Int64(bitPattern: pages.addresses[i])); s.bind(3, p.faults)
            s.bind(4, Int64(bitPattern: p.kinds)); s.bind(5, Int64(p.vma))
            s.bind(6, Int64(bitPattern: p.firstSeq)); s.bind(7, Int64(bitPattern: p.lastSeq))
        }
    }

    /// Inserts `rows` through `sql`, each bound by `bind`.
    private func insert<Row>(_ sql: String, _ table: StaticString, _ rows: [Row],
                             _ bind: (SQLiteStatement, Row) -> Void) throws {
        let stmt = try db.prepare(sql)
        defer { stmt.finalize() }
        for row in rows {
            bind(stmt, row)
            try check(stmt.execute(), table)
        }
    }

    /// Whether an allocator outcome is stored (`alloc_outcomes`): an allocator model handled the call.
    @inline(__always)
    static func hasOutcomeRow(_ r: AllocationResult) -> Bool {
        r.path != .none || r.modelAddress != 0 || r.syscalls != 0 || r.chunkSize != 0
    }
}
