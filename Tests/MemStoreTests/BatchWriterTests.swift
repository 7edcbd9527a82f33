import Foundation
import MemModel
import MemReplay
@testable import MemStore
import MemTrace
import Testing

/// The store's batched, threaded write path: the multi-row statements, the batch's invariants, the
/// writer thread against writing on the caller's thread, and a writer error reaching the caller.
@Suite struct BatchWriterTests {
    @Test func multiRowInsertNumbersEveryParameter() {
        #expect(BatchWriter.multiRowInsert("INSERT INTO t (a, b) VALUES (?1, ?2)", columns: 2, rows: 3)
            == "INSERT INTO t (a, b) VALUES (?1, ?2), (?3, ?4), (?5, ?6)")
        #expect(BatchWriter.multiRowInsert(StoreSchema.insertControlEvent, columns: 9, rows: 2)
            == "INSERT INTO control_events (seq, pid, tid, time, op, name, key, value, target)\n"
            + "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9), (?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)")
    }

    @Test func everyTableDescribesItsInsertsParameters() {
        for table in StoreTable.allCases {
            let parameters = table.insert.split(separator: "?").count - 1
            #expect(parameters == table.columns.count, "\(table.name)")
            #expect(table.insert.contains(" \(table.name) ") || table.insert.contains(" \(table.name)("), "\(table.name)")
        }
    }

    @Test func batchInvariantsHoldAndCatchDamage() {
        var batch = RowBatch()
        for v in [1, 100, 100, 5, 0, 3, 0, 0, 0] { batch.tables[StoreTable.controlEvents.rawValue].put(Int64(v)) }
        batch.tables[StoreTable.controlEvents.rawValue].count += 1
        var p = TableRows(wordsPerRow: StoreTable.processes.wordsPerRow)
        p.put(UInt32(7)); p.put(UInt32(1)); p.put(text: "/bin/true"); p.put(UInt64(1)); p.put(UInt64(0))
        p.put(optional: Int32?.none)
        p.count = 1
        batch.tables[StoreTable.processes.rawValue] = p
        batch.rowCount = 2
        #expect(batch.invariantViolations().isEmpty)

        var extraWord = batch
        extraWord.tables[StoreTable.controlEvents.rawValue].put(Int64(9))
        #expect(extraWord.invariantViolations().contains { $0.hasPrefix("control_events: 10 words for 1 rows") })
        var badText = batch
        badText.tables[StoreTable.processes.rawValue].words[2] = 3
        #expect(badText.invariantViolations().contains { $0.hasPrefix("processes: text index 3") })
        var badCount = batch
        badCount.rowCount = 5
        #expect(badCount.invariantViolations() == ["rowCount 5, tables hold 2"])
        batch.removeAll()
        #expect(batch.invariantViolations().isEmpty && batch.rowCount == 0)
    }

    /// 40,003 access events (two full batches and a part, rows not a multiple of the statement's
    /// 32), a fault every 7th with its zone unknown every 3rd fault, hardware outcomes (none for
    /// every 5th access: both shapes of access row in one table), and a VMA upserted repeatedly:
    /// the writer thread and the caller's thread write the same tables.
    @Test func writerThreadAndCallerThreadWriteTheSameRows() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let events: UInt64 = 40_003
        func drive(_ name: String, thread: Bool) throws -> String {
            let path = dir.path + "/" + name
            var store = try SQLiteStore(path: path, writerThread: thread, hardware: true)
            try store.begin(StoreFixture.run)
            try store.declareCounters(StoreFixture.counters)
            let pid = ProcessID(100), tid = ThreadID(100)
            try store.process(ProcessRecord(pid: pid, parent: ProcessID(1), image: "/usr/bin/app", startSeq: 0))
            for seq in 1...events {
                let address = 0x7f00_0000_0000 + (seq &* 2654435761 & 0xffff) << 12
                let fault: FaultKind = seq % 7 == 0 ? .anonNew : .none
                let hw = seq % 5 == 0 ? .none : HardwareOutcome(tlb: .l1Hit, walkReferences: UInt8(seq & 3), servedBy: .l2,
                                                                latency: UInt32(seq % 300))
                try store.record(Outcome(seq: seq, record: TraceRecord(time: seq * 10, pid: pid, tid: tid,
                    event: .access(MemoryAccess(kind: seq & 1 == 0 ? .load : .store, address: VirtualAddress(address), size: 8))),
                    detail: .access(Translation(fault: fault, frame: PageFrameNumber(seq), vma: VMAID(1)), hardware: hw)))
                if fault != .none {
                    try store.fault(FaultRecord(seq: seq, pid: pid, address: address, kind: fault, vma: VMAID(1),
                                                frame: PageFrameNumber(seq), node: 0, zone: seq % 21 == 0 ? nil : .normal))
                }
                if seq % 10_000 == 0 {
                    try store.vma(VMARecord(id: VMAID(1), pid: pid, start: 0x7f00_0000_0000, end: 0x7f00_1000_0000,
                                            prot: [.read, .write], flags: [.private, .anonymous], file: .anonymous,
                                            offset: 0, name: "seq \(seq)", startSeq: 1))
                    try store.snapshot(CounterSnapshot(seq: seq, time: seq * 10, values: [Int64(seq), 1, 2]))
                }
            }
            try store.finish(metrics: StoreFixture.metrics, endedAt: 1_800_000_000)
            return path
        }
        let threaded = try drive("threaded.db", thread: true)
        let direct = try drive("direct.db", thread: false)
        for table in ["events", "accesses", "hw_accesses", "faults", "vmas", "processes", "counter_samples", "metrics"] {
            let sql = "SELECT * FROM \(table) ORDER BY \(table == "metrics" ? "run, name" : "rowid")"
            #expect(try QueryRunner.execute(database: threaded, sql: sql) == QueryRunner.execute(database: direct, sql: sql),
                    "table \(table)")
        }
        #expect(try rows(threaded, "SELECT count(*), sum(seq), max(seq) FROM events") == [["40003", "800140006", "40003"]])
        #expect(try rows(threaded, "SELECT count(*), sum(latency) FROM hw_accesses")
            == [["32003", "\((1...events).filter { $0 % 5 != 0 }.reduce(0) { $0 + $1 % 300 })"]])
        #expect(try rows(threaded, "SELECT count(*), count(hw), min(seq), max(seq) FROM accesses") == [["40003", "32003", "1", "40003"]])
        #expect(try rows(threaded, "SELECT count(*), count(zone), min(id), max(id) FROM faults") == [["5714", "3810", "1", "5714"]])
        #expect(try rows(threaded, "SELECT seq, kind, frame FROM accesses WHERE seq IN (32, 33, 40003) ORDER BY seq")
            == [["32", "0", "32"], ["33", "1", "33"], ["40003", "1", "40003"]])
        #expect(try rows(threaded, "SELECT seq, frame, zone FROM faults WHERE seq IN (21, 28) ORDER BY seq")
            == [["21", "21", "NULL"], ["28", "28", "2"]])
        #expect(try rows(threaded, "SELECT id, name FROM vmas") == [["1", "seq 40000"]])
        #expect(try rows(threaded, "SELECT exit_status FROM processes") == [["NULL"]])
    }

    /// A row the writer thread cannot insert (a second event with the same sequence number): the
    /// error names the table, reaches the caller no later than `finish`, and nothing is left behind.
    @Test func aWriterErrorReachesTheCallerAndLeavesNothing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.path + "/run.db")
        try store.begin(StoreFixture.run)
        try store.declareCounters(StoreFixture.counters)
        let error = #expect(throws: StoreError.self) {
            for seq in 1...UInt64(3 * SQLiteStore.batchRows) {
                let s = seq == 100 ? 99 : seq
                try store.record(Outcome(seq: s, record: TraceRecord(time: 0, pid: ProcessID(1), tid: ThreadID(1),
                    event: .control(ControlEvent(op: .phase, name: StringID(0)))), detail: .control))
            }
            try store.finish(metrics: [], endedAt: 0)
        }
        #expect(error?.description.contains("cannot insert into control_events") == true)
        #expect(error?.description.hasPrefix(dir.path + "/run.db: ") == true)
        store.abort()
        #expect(dir.contents().isEmpty)
    }
}
