import Foundation
import Testing
import MemTrace
import MemModel
import MemReplay
@testable import MemStore

/// A synthesized workload replayed with the full `seed-x86info` hardware into a run database:
/// per-access hardware rows, metrics that agree with them, and the hw-*.sql queries.
@Suite struct HardwareStoreTests {
    /// Runs the replay on its own thread with an 8 MiB stack, as the command line's main thread has.
    static func replay(in dir: String, hardware: HardwareConfiguration) throws -> (db: String, summary: ReplaySummary) {
        nonisolated(unsafe) var result: Result<(db: String, summary: ReplaySummary), Error>?
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            result = Result { try replayOnThisThread(in: dir, hardware: hardware) }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        return try result!.get()
    }

    static func replayOnThisThread(in dir: String, hardware: HardwareConfiguration) throws -> (db: String, summary: ReplaySummary) {
        let trace = dir + "/loc.mrt"
        let synth = LocalitySynthesizer(events: 30_000, seed: 4)
        let writer = try TraceWriter(path: trace, header: synth.header)
        try synth.write(to: writer)
        try writer.close()
        var machine = MachineConfiguration.presets["small-8g"]!
        machine.hardware = hardware
        var reader = try TraceReader(path: trace)
        let db = dir + "/run.db"
        let hierarchy = MemoryHierarchy(hardware)
        var sink = try SQLiteStore(path: db, hardware: hierarchy.isEnabled)
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine), user: RecordedHeap(),
                                  hardware: hierarchy, snapshotInterval: 10_000)
        let info = RunInfo(toolVersion: "test", tracePath: trace, traceHash: "x", configurationJSON: machine.json(),
                           traceHeaderJSON: "{}", startedAt: 0)
        let summary = try engine.run(&reader, into: &sink, run: info, endedAt: { 1 })
        #expect(engine.hardware.invariantViolations().isEmpty)
        return (db, summary)
    }

    static func rows(_ db: String, _ sql: String) throws -> [[String]] {
        let r = try QueryRunner.execute(database: db, sql: sql)
        return r.last?.rows.map { $0.map { v -> String in
            switch v {
            case .null: ""
            case .integer(let i): "\(i)"
            case .real(let d): "\(d)"
            case .text(let t): t
            case .blob: "blob"
            }
        } } ?? []
    }

    @Test func everyCompletedAccessHasAHardwareRowThatAgreesWithTheMetrics() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (db, s) = try Self.replay(in: dir.path, hardware: .seedX86info)
        let counts = try Self.rows(db, """
            SELECT COUNT(*), SUM(tlb = 3), SUM(dram > 0), SUM(dram = 1), SUM(served_by = 4) FROM hw_accesses
            """)[0].map { Double($0)! }
        let completed = try Self.rows(db, "SELECT COUNT(*) FROM accesses a JOIN fault_kinds f ON f.id = a.fault WHERE f.is_signal = 0")[0][0]
        #expect(counts[0] == Double(completed)! && counts[0] > 10_000)
        #expect(counts[1] == s.metric("tlb.walks"))
        // A row keeps the data's DRAM outcome; the metric also counts walk references and the second
        // line of straddling accesses that reached DRAM.
        let straddles = Double(try Self.rows(db, "SELECT COUNT(*) FROM hw_accesses h JOIN accesses a ON a.seq = h.seq WHERE (a.address % 64) + a.size > 64")[0][0])!
        let dramReads = try #require(s.metric("dram.reads"))
        #expect(counts[2] <= dramReads && dramReads <= counts[2] + s.metric("tlb.walk_references.memory")! + straddles)
        #expect(counts[3] <= s.metric("dram.row_hits")!)
        #expect(s.metric("tlb.accesses") == counts[0])
        #expect((s.metric("cache.L1d.accesses") ?? 0) > 0 && (s.metric("cachegrind.Dr") ?? 0) > 0)
        // The queries run and report the same totals.
        let q = QueryFilesTests.queriesDirectory
        let dram = try Self.rows(db, try QueryRunner.sqlText(q + "/hw-dram-row-hits.sql"))
        #expect(dram.last?[0] == "all" && dram.last?[1] == String(Int(counts[2])))
        let byVMA = try Self.rows(db, try QueryRunner.sqlText(q + "/hw-tlb-by-vma.sql"))
        #expect(byVMA.map { Double($0[6])! }.reduce(0, +) == counts[1])
        let pct = try Self.rows(db, try QueryRunner.sqlText(q + "/hw-latency-percentiles.sql"))
        let p50 = Double(pct.first { $0[1] == "p50" }![2])!, p99 = Double(pct.first { $0[1] == "p99" }![2])!
        #expect(p50 <= p99 && p50 >= 4)
        #expect(try Self.rows(db, try QueryRunner.sqlText(q + "/hw-cache-miss-rates.sql")).count == 4 + 9)
        #expect(try Self.rows(db, try QueryRunner.sqlText(q + "/hw-tlb-by-phase.sql")).count >= 1)
    }

    @Test func withoutHardwareNothingIsStoredOrReported() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (db, s) = try Self.replay(in: dir.path, hardware: .none)
        #expect(try Self.rows(db, "SELECT COUNT(*) FROM hw_accesses")[0][0] == "0")
        #expect(s.metric("cachegrind.Ir") == nil)
    }
}
