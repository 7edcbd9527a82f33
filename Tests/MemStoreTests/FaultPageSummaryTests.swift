import Foundation
import Testing
import MemTrace
import MemModel
import MemReplay
@testable import MemStore

/// `FaultPageSummary` (the `fault_pages` table): what it counts per faulting page, that its
/// checker catches a broken table, and that a store's `fault_pages` equals `faults` grouped by page
/// and answers `queries/top-fault-addresses.sql` as the text that grouped every fault did.
@Suite struct FaultPageSummaryTests {
    static func add(_ s: inout FaultPageSummary, _ pid: UInt32, _ address: UInt64, _ seq: UInt64,
                    _ kind: FaultKind, vma: UInt32) {
        s.add(pid: ProcessID(rawValue: pid), address: address, seq: seq, kind: kind, vma: VMAID(rawValue: vma))
    }

    @Test func countsKindsSeqsAndTheLastFaultsVMA() {
        var s = FaultPageSummary()
        Self.add(&s, 7, 0x1000, 5, .anonZeroPage, vma: 3)
        Self.add(&s, 7, 0x1000, 9, .zeroPageCopy, vma: 3)
        Self.add(&s, 8, 0x1000, 9, .anonNew, vma: 4)
        Self.add(&s, 7, 0x1000, 12, .cowCopy, vma: 6)   // remapped: the last fault's VMA counts
        Self.add(&s, 7, 0x2000, 12, .anonNew, vma: 6)
        Self.add(&s, 7, 0x2000, 12, .cowCopy, vma: 5)   // the same seq: the lower VMA id
        #expect(s.count == 3 && s.total == 6)
        let bits = { (kinds: [FaultKind]) in kinds.reduce(UInt64(0)) { $0 | 1 << UInt64($1.rawValue) } }
        #expect(s.page(FaultPageSummary.Key(pid: 7, address: 0x1000))
                == FaultPageSummary.Page(faults: 3, kinds: bits([.anonZeroPage, .zeroPageCopy, .cowCopy]), vma: 6,
                                         firstSeq: 5, lastSeq: 12))
        #expect(s.page(FaultPageSummary.Key(pid: 7, address: 0x2000))
                == FaultPageSummary.Page(faults: 2, kinds: bits([.anonNew, .cowCopy]), vma: 5, firstSeq: 12, lastSeq: 12))
        #expect(s.page(FaultPageSummary.Key(pid: 9, address: 0x1000)) == nil)
        // Most faults first, then by pid and address.
        #expect(s.ranked().map { "\(s.pids[$0])/\(String(s.addresses[$0], radix: 16))" } == ["7/1000", "7/2000", "8/1000"])
        #expect(s.invariantViolations().isEmpty)
    }

    /// Many pages: the slots grow and every page is still found, with its own counts.
    @Test func growsAndFindsEveryPage() {
        var s = FaultPageSummary()
        for round in 1...3 {
            for page in 0..<5_000 as Range<UInt64> where page % UInt64(round) == 0 {
                Self.add(&s, UInt32(page % 3), page << 12, page * 10 + UInt64(round), .anonNew, vma: 1)
            }
        }
        #expect(s.count == 5_000 && s.invariantViolations().isEmpty)
        for page in [0, 1, 2, 3, 6, 4_999] as [UInt64] {
            let expected = 1 + (page % 2 == 0 ? 1 : 0) + (page % 3 == 0 ? 1 : 0)
            #expect(s.page(FaultPageSummary.Key(pid: UInt32(page % 3), address: page << 12))?.faults == Int64(expected))
        }
        #expect(s.pids[s.ranked()[0]] == 0 && s.addresses[s.ranked()[0]] == 0)
    }

    @Test func theCheckerCatchesABrokenTable() {
        var s = FaultPageSummary()
        Self.add(&s, 1, 0x1000, 1, .anonNew, vma: 1)
        Self.add(&s, 1, 0x2000, 2, .anonNew, vma: 1)
        var broken = s
        broken.slots = broken.slots.map { $0 == 1 ? -1 : $0 }
        #expect(broken.invariantViolations().contains { $0.contains("a probe does not find it") || $0.contains("in no slot") })
    }

    /// Faults sent to a store: `fault_pages` is `faults` grouped by page, and the query file gives
    /// the rows of the original text, which grouped every fault by page.
    @Test func theStoresTableAndTheQueryAgreeWithTheFaults() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.path + "/run.db"
        let store = try SQLiteStore(path: db)
        try store.begin(StoreFixture.run)
        try store.declareCounters(StoreFixture.counters)
        for id in 1...7 as ClosedRange<UInt32> {
            try store.vma(VMARecord(id: VMAID(rawValue: id), pid: ProcessID(rawValue: 100), start: 0x7f00_0000_0000,
                                    end: 0x7f00_0020_0000, prot: [.read, .write], flags: [.private, .anonymous],
                                    file: .anonymous, offset: 0, name: "vma \(id)", startSeq: UInt64(id)))
        }
        let kinds: [FaultKind] = [.anonNew, .anonZeroPage, .zeroPageCopy, .cowCopy, .cowReuse, .fileMinor, .swapIn]
        var seq: UInt64 = 1
        var x: UInt64 = 12_345
        for i in 0..<3_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let pid = UInt32(100 + (x >> 60) % 3)
            let page = (x >> 33) % 400
            // VMA ids grow with the seq, as the replay numbers new VMAs.
            let vma = UInt32(1 + seq / 500)
            if i % 4 == 0 { seq += 1 }
            try store.fault(FaultRecord(seq: seq, pid: ProcessID(rawValue: pid), address: 0x7f00_0000_0000 + page << 12,
                                        kind: kinds[Int((x >> 20) % UInt64(kinds.count))], vma: VMAID(rawValue: vma),
                                        frame: PageFrameNumber(UInt64(i))))
        }
        #expect(store.faultPages.invariantViolations().isEmpty)
        try store.finish(metrics: [], endedAt: 1)
        func rows(_ sql: String) throws -> [[String]] { try HardwareStoreTests.rows(db, sql) }
        #expect(try rows("SELECT pid, address, faults, first_seq, last_seq FROM fault_pages ORDER BY 1, 2")
                == rows("SELECT pid, address, count(*), min(seq), max(seq) FROM faults GROUP BY 1, 2 ORDER BY 1, 2"))
        #expect(try rows("SELECT pid, address, kinds FROM fault_pages ORDER BY 1, 2")
                == rows("SELECT pid, address, sum(b) FROM (SELECT DISTINCT pid, address, 1 << kind AS b FROM faults) GROUP BY 1, 2 ORDER BY 1, 2"))
        #expect(try rows("SELECT pid, address, vma FROM fault_pages ORDER BY 1, 2") == rows("""
            SELECT f.pid, f.address, min(f.vma) FROM faults f
            JOIN (SELECT pid, address, max(seq) AS m FROM faults GROUP BY 1, 2) l ON l.pid = f.pid AND l.address = f.address AND f.seq = l.m
            GROUP BY 1, 2 ORDER BY 1, 2
            """))
        #expect(Int(try rows("SELECT max(faults) FROM fault_pages")[0][0])! >= 4)
        let file = try QueryRunner.sqlText(QueryFilesTests.queriesDirectory + "/top-fault-addresses.sql")
        let now = try QueryRunner.execute(database: db, sql: file).last
        #expect(now?.rows.count == 20)
        // The first text (35b116d), which grouped every fault by page; SummaryQueriesCLITests
        // compares the one before `fault_pages` (37e748e) on replayed sample traces.
        let before = try QueryRunner.execute(database: db, sql: QueryRewriteTests.originals["top-fault-addresses.sql"]!).last
        #expect(now?.columns == before?.columns)
        #expect(now?.rows == before?.rows)
    }
}
