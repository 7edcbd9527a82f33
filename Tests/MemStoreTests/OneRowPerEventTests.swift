import Foundation
import MemModel
import MemReplay
@testable import MemStore
import MemTrace
import Testing

/// Schema version 7: each event is one row of its family's table, `events` and `hw_accesses` are
/// views with version 6's columns, and the hardware outcome packed into the access row reads back
/// whole.
@Suite struct OneRowPerEventTests {
    /// Every event of `ResultRowTests.trace` (all six families, faults, a signal, a fork) is exactly
    /// one row in one family table, and the `events` view gives its kind, pid, tid and time.
    @Test func everyEventIsOneRowAndTheEventsViewGivesItsColumns() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (_, db) = try ResultRowTests.replay(in: dir.path)
        let records = ResultRowTests.trace.records
        let expected = records.enumerated().map { i, r in
            ["\(i + 1)", "\(r.event.kind.rawValue)", "\(r.pid.rawValue)", "\(r.tid.rawValue)", "\(r.time)"]
        }
        #expect(try rows(db, "SELECT seq, kind, pid, tid, time FROM events") == expected)
        var perFamily = 0
        for family in StoreSchema.eventFamilies {
            let n = try rows(db, "SELECT count(*) FROM \(family.table)")[0][0]
            #expect(Int(n) == records.filter { $0.event.kind.family == family.table.familyName }.count, "\(family.table)")
            perFamily += Int(n) ?? 0
        }
        #expect(perFamily == records.count)
        // The views read the row's own pid/tid/time.
        #expect(try rows(db, "SELECT count(*) FROM v_memory_calls m JOIN events e USING (seq) WHERE m.pid = e.pid AND m.tid = e.tid AND m.time = e.time")
            == [["\(ResultRowTests.seqs("memory").count)"]])
        #expect(try rows(db, "SELECT name, start_seq, start_time, pid FROM v_phases") == [["work", "2", "2000", "100"]])
        // Ranges of seq on the view are range scans of each family table, merged in seq order.
        #expect(try rows(db, "SELECT seq FROM events WHERE seq >= 5 AND seq < 9").map { $0[0] } == ["5", "6", "7", "8"])
        #expect(try rows(db, StoreSchema.eventTime(last: false)) == [["1000"]])
        #expect(try rows(db, StoreSchema.eventTime(last: true)) == [["\(records.count * 1000)"]])
    }

    /// `v_events` comes in `seq` order without an `ORDER BY` (schema 9): whole, filtered by family
    /// and by a list of seqs. (Version 8's view came in family order.)
    @Test func vEventsComeInSeqOrder() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (_, db) = try ResultRowTests.replay(in: dir.path)
        #expect(try rows(db, "SELECT seq FROM v_events").map { $0[0] } == (1...ResultRowTests.trace.records.count).map { "\($0)" })
        #expect(try rows(db, "SELECT * FROM v_events") == rows(db, "SELECT * FROM v_events ORDER BY seq"))
        #expect(try rows(db, "SELECT seq FROM v_events WHERE family = 'memory'").map { UInt64($0[0])! } == ResultRowTests.seqs("memory"))
        #expect(try rows(db, "SELECT seq FROM v_events WHERE seq IN (9, 2, 5)").map { $0[0] } == ["2", "5", "9"])
    }

    /// The packed columns hold every field whole, at the largest values the types allow.
    @Test func thePackedHardwareOutcomeReadsBackWhole() throws {
        #expect(TLBOutcome.allCases.allSatisfy { $0.rawValue < 4 })
        #expect(MemoryLevel.allCases.allSatisfy { $0.rawValue < 8 })
        #expect(DRAMOutcome.allCases.allSatisfy { $0.rawValue < 4 })
        let outcomes = [
            HardwareOutcome(tlb: .l1Hit, servedBy: .l1, latency: 4),
            HardwareOutcome(tlb: .walk, walkReferences: 255, walkServed: .max, servedBy: .memory, dram: .rowConflict,
                            dramChannel: 255, dramRank: 255, dramBank: 255, numaNode: 255, remote: true, latency: .max),
            HardwareOutcome(tlb: .l2Hit, walkReferences: 4, walkServed: 0o4321, servedBy: .l3, dram: .rowMiss,
                            dramChannel: 1, dramRank: 2, dramBank: 3, numaNode: 1, remote: false, latency: 300),
            HardwareOutcome(tlb: .none, servedBy: .l2, latency: 0),
        ]
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.path + "/run.db"
        let store = try SQLiteStore(path: db, hardware: true)
        try store.begin(StoreFixture.run)
        try store.declareCounters([])
        for (i, h) in (outcomes + [.none]).enumerated() {
            try store.record(Outcome(seq: UInt64(i + 1), record: TraceRecord(time: UInt64(i), pid: ProcessID(7), tid: ThreadID(8),
                event: .access(MemoryAccess(kind: .load, address: VirtualAddress(0x1000), size: 8))),
                detail: .access(Translation(fault: .none, frame: PageFrameNumber(1), vma: VMAID(1)), hardware: h)))
        }
        try store.finish(metrics: [], endedAt: 0)
        let stored = try rows(db, """
            SELECT seq, tlb, walk_refs, walk_served, served_by, dram, dram_channel, dram_rank, dram_bank, numa_node,
                remote, latency FROM hw_accesses ORDER BY seq
            """)
        #expect(stored == outcomes.enumerated().map { i, h in
            ["\(i + 1)", "\(h.tlb.rawValue)", "\(h.walkReferences)", "\(h.walkServed)", "\(h.servedBy.rawValue)",
             "\(h.dram.rawValue)", "\(h.dramChannel)", "\(h.dramRank)", "\(h.dramBank)", "\(h.numaNode)",
             "\(h.remote ? 1 : 0)", "\(h.latency)"]
        })
        // The unmodelled access has its row, NULL in the hardware columns, and no hw_accesses row.
        #expect(try rows(db, "SELECT seq, hw, walk, dram_loc, latency FROM accesses WHERE seq = 5")
            == [["5", "NULL", "NULL", "NULL", "NULL"]])
        #expect(try rows(db, "SELECT hw, walk, dram_loc FROM accesses WHERE seq = 1") == [["\(1 | 1 << 2)", "0", "0"]])
    }

    /// A modelled outcome given to a store made without hardware columns is an error naming the
    /// database, and nothing is left behind.
    @Test func aHardwareOutcomeWithoutHardwareColumnsIsAnError() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.path + "/run.db")
        try store.begin(StoreFixture.run)
        let error = #expect(throws: StoreError.self) {
            try store.record(Outcome(seq: 1, record: TraceRecord(time: 0, pid: ProcessID(7), tid: ThreadID(7),
                event: .access(MemoryAccess(kind: .load, address: VirtualAddress(0x1000), size: 8))),
                detail: .access(Translation(fault: .none, frame: PageFrameNumber(1), vma: VMAID(1)),
                                hardware: HardwareOutcome(tlb: .l1Hit, servedBy: .l1, latency: 4))))
        }
        #expect(error?.description.contains("without hardware columns") == true)
        #expect(error?.description.hasPrefix(dir.path + "/run.db: ") == true)
        store.abort()
        #expect(dir.contents().isEmpty)
    }
}

private extension String {
    /// `event_kinds.family` of a family table's name.
    var familyName: String {
        switch self {
        case "accesses": "access"
        case "process_events": "process"
        case "alloc_calls": "alloc"
        case "memory_calls": "memory"
        case "file_calls": "file"
        default: "control"
        }
    }
}
