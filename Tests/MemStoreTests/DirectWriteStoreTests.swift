import Foundation
import MemModel
import MemReplay
@testable import MemStore
import MemTrace
import Testing

/// The store with its `accesses` table written as B-tree pages (`SQLiteStore+DirectWrite.swift`)
/// against the same store writing it through SQL: the same answers from every table and view,
/// databases SQLite finds sound, byte-identical databases from two runs, nothing left by an abort.
@Suite struct DirectWriteStoreTests {
    /// 50,001 accesses (three batches and a part; hardware outcomes on four in five when
    /// `hardware`), a fault every 9th, a counter snapshot every 10,000, a control event every 4,099th.
    static func drive(_ path: String, hardware: Bool, direct: Bool, events: UInt64 = 50_001,
                      finish: Bool = true) throws -> SQLiteStore {
        let store = try SQLiteStore(path: path, hardware: hardware, directWrite: direct)
        try store.begin(StoreFixture.run)
        try store.declareCounters(StoreFixture.counters)
        let pid = ProcessID(100), tid = ThreadID(100)
        try store.process(ProcessRecord(pid: pid, parent: ProcessID(1), image: "/usr/bin/app", startSeq: 0))
        for seq in 1...events {
            let time = seq * 7
            if seq % 4099 == 0 {
                try store.record(Outcome(seq: seq, record: TraceRecord(time: time, pid: pid, tid: tid,
                    event: .control(ControlEvent(op: .phase, name: StringID(2)))), detail: .control))
                continue
            }
            let address = 0x7f00_0000_0000 + (seq &* 40503 & 0x3ffff) << 6
            let fault: FaultKind = seq % 9 == 0 ? .anonNew : .none
            let hw = !hardware || seq % 5 == 0 ? .none
                : HardwareOutcome(tlb: .l1Hit, walkReferences: UInt8(seq & 3), servedBy: .l2, latency: UInt32(seq % 400))
            try store.record(Outcome(seq: seq, record: TraceRecord(time: time, pid: pid, tid: tid,
                event: .access(MemoryAccess(kind: seq & 1 == 0 ? .load : .store, address: VirtualAddress(address),
                                            size: seq % 3 == 0 ? 1 : 8))),
                detail: .access(Translation(fault: fault, frame: PageFrameNumber(seq & 0xfff), vma: VMAID(1)), hardware: hw)))
            if fault != .none {
                try store.fault(FaultRecord(seq: seq, pid: pid, address: address, kind: fault, vma: VMAID(1),
                                            frame: PageFrameNumber(seq & 0xfff), node: 0, zone: .normal))
            }
            if seq % 10_000 == 0 { try store.snapshot(CounterSnapshot(seq: seq, time: time, values: [Int64(seq), 1, 2])) }
        }
        if finish { try store.finish(metrics: StoreFixture.metrics, endedAt: 1_800_000_000) }
        return store
    }

    /// Every table's and view's rows, each ordered by all its columns.
    static func everything(_ path: String) throws -> [String: [[String]]] {
        var all: [String: [[String]]] = [:]
        for name in try rows(path, "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'") {
            let columns = try rows(path, "SELECT count(*) FROM pragma_table_info('\(name[0])')")[0][0]
            all[name[0]] = try rows(path, "SELECT * FROM \"\(name[0])\" ORDER BY \((1...Int(columns)!).map(String.init).joined(separator: ", "))")
        }
        return all
    }

    @Test(arguments: [false, true])
    func directAndSQLWritesAnswerAlike(hardware: Bool) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let direct = try Self.drive(dir.path + "/direct.db", hardware: hardware, direct: true)
        let sql = try Self.drive(dir.path + "/sql.db", hardware: hardware, direct: false)
        #expect(direct.directWriteObstacle == nil)
        #expect(sql.directWriteObstacle == "the direct writer is off (directWrite: false or MEMREPLAY_DIRECT_WRITE=0)")
        #expect(Set(dir.contents()) == ["direct.db", "sql.db"])
        #expect(try rows(direct.path, "PRAGMA integrity_check") == [["ok"]])
        #expect(try rows(direct.path, "PRAGMA quick_check") == [["ok"]])
        let a = try Self.everything(direct.path), b = try Self.everything(sql.path)
        #expect(a.keys.sorted() == b.keys.sorted())
        for name in a.keys.sorted() { #expect(a[name] == b[name], "\(name)") }
        #expect(a["accesses"]?.count == 50_001 - 12)
        // The statistics too: the direct path writes the accesses table's row count that ANALYZE,
        // reading every page, finds on the SQL path.
        let stats = "SELECT tbl, quote(idx), stat FROM sqlite_stat1 ORDER BY tbl, idx"
        #expect(try rows(direct.path, stats) == (try rows(sql.path, stats)))
        #expect(try rows(direct.path, "SELECT stat FROM sqlite_stat1 WHERE tbl = 'accesses'") == [["\(50_001 - 12)"]])
        #expect(try rows(direct.path, "SELECT count(*), count(hw), sum(size) FROM accesses")
            == (try rows(sql.path, "SELECT count(*), count(hw), sum(size) FROM accesses")))
        #expect(try rows(direct.path, "SELECT seq, address FROM accesses WHERE seq = 4100")
            == [["4100", "\(0x7f00_0000_0000 + (4100 * 40503 & 0x3ffff) << 6)"]])
    }

    /// The determinism the replay promises, down to the bytes of the file.
    @Test func twoDirectRunsAreByteIdentical() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let one = try Self.drive(dir.path + "/one.db", hardware: true, direct: true, events: 30_000)
        let two = try Self.drive(dir.path + "/two.db", hardware: true, direct: true, events: 30_000)
        let a = try Data(contentsOf: URL(fileURLWithPath: one.path)), b = try Data(contentsOf: URL(fileURLWithPath: two.path))
        #expect(a.count > 30_000 * 20 && a == b)
    }

    /// An aborted store, its pages half-written, removes its database and its side file.
    @Test func anAbortLeavesNothingBehind() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try Self.drive(dir.path + "/run.db", hardware: false, direct: true, events: 40_000, finish: false)
        #expect(dir.contents().contains { $0.hasSuffix(".accesses") })
        store.abort()
        #expect(dir.contents().isEmpty)
    }

    /// A repeated sequence number is refused by the direct writer as SQL's primary key refuses it.
    @Test func aRepeatedSequenceNumberIsAnError() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.path + "/run.db")
        try store.begin(StoreFixture.run)
        let error = #expect(throws: StoreError.self) {
            for seq in 1...UInt64(2 * SQLiteStore.batchRows) {
                try store.record(Outcome(seq: seq == 7 ? 6 : seq, record: TraceRecord(time: 0, pid: ProcessID(1), tid: ThreadID(1),
                    event: .access(MemoryAccess(kind: .load, address: VirtualAddress(4096), size: 8))),
                    detail: .access(Translation(fault: .none, frame: PageFrameNumber(1), vma: VMAID(1)), hardware: .none)))
            }
            try store.finish(metrics: [], endedAt: 0)
        }
        #expect(error?.description == dir.path + "/run.db: row 7 has rowid 6, not above the previous row's 6: the table's rows must come in increasing rowid order")
        store.abort()
        #expect(dir.contents().isEmpty)
    }

    @Test func theChecksReadTheInsertsColumns() {
        #expect(SQLiteStore.insertColumns(StoreSchema.insertAccess)
            == ["seq", "pid", "tid", "time", "kind", "address", "size", "fault", "frame", "vma"])
        #expect(SQLiteStore.insertColumns(StoreSchema.insertHardwareAccess).suffix(4) == ["hw", "walk", "dram_loc", "latency"])
    }
}
