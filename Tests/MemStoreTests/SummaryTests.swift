import Foundation
import Testing
import MemTrace
import MemModel
import MemReplay
@testable import MemStore

/// The summaries every replay keeps (`EventSummary`, `FaultSummary`, `HardwareSummary`,
/// `AllocSummary`): what they count, that their invariant checkers catch a broken structure, and
/// that after a real replay they are consistent and agree with the per-event rows.
@Suite struct SummaryTests {
    @Test func eventSummaryCountsPerProcessPhaseAndKind() {
        var s = EventSummary()
        s.add(pid: ProcessID(rawValue: 7), kind: EventKind(rawValue: 0)!)
        s.add(pid: ProcessID(rawValue: 7), kind: EventKind(rawValue: 0)!)
        s.add(pid: ProcessID(rawValue: 8), kind: EventKind(rawValue: 16)!)
        s.startPhase(seq: 4)
        s.add(pid: ProcessID(rawValue: 7), kind: EventKind(rawValue: 56)!)
        s.add(pid: ProcessID(rawValue: 7), kind: EventKind(rawValue: 0)!)
        #expect(s.rows.map { "\($0.pid)/\($0.phase)/\($0.kind)=\($0.events)" } == ["7/0/0=2", "7/4/0=1", "7/4/56=1", "8/0/16=1"])
        #expect(s.total == 5)
        #expect(s.invariantViolations().isEmpty)
        var broken = s
        broken.index[EventSummary.Key(pid: 8, phase: 0)] = 0
        #expect(broken.invariantViolations().contains { $0.contains("indexed at") })
    }

    @Test func faultSummaryCountsPerKey() {
        var s = FaultSummary()
        for (pid, vma, phase) in [(1, 3, 0), (1, 3, 0), (2, 3, 0), (1, 3, 9)] as [(UInt32, UInt32, UInt64)] {
            s.add(pid: ProcessID(rawValue: pid), vma: VMAID(rawValue: vma), phase: phase, kind: .anonNew)
        }
        #expect(s.rows.map { "\($0.key.pid)/\($0.key.phase)=\($0.faults)" } == ["1/0=2", "1/9=1", "2/0=1"])
        #expect(s.total == 4 && s.invariantViolations().isEmpty)
        var broken = s
        broken.index.removeAll()
        #expect(!broken.invariantViolations().isEmpty)
    }

    @Test func hardwareSummaryIsAHistogramWithDRAMCounts() {
        var s = HardwareSummary()
        s.add(HardwareOutcome(tlb: .l1Hit, servedBy: .l1, latency: 4))
        s.add(HardwareOutcome(tlb: .walk, servedBy: .memory, dram: .rowHit, dramChannel: 1, latency: 200))
        s.add(HardwareOutcome(tlb: .walk, servedBy: .memory, dram: .rowConflict, dramChannel: 1, latency: 200))
        s.add(HardwareOutcome(tlb: .l2Hit, servedBy: .memory, dram: .rowMiss, latency: 100_000))
        #expect(s.latencyRows.map { "\($0.level)/\($0.latency)=\($0.accesses)" } == ["1/4=1", "4/200=2", "4/100000=1"])
        #expect(s.dramRows.map { "\($0.channel)/\($0.outcome)=\($0.accesses)" } == ["0/2=1", "1/1=1", "1/3=1"])
        #expect(s.accesses == 4 && s.invariantViolations().isEmpty)
        var broken = s
        broken.dense[1][4] = 3
        #expect(broken.invariantViolations().contains { $0.contains("not 4") })
    }

    @Test func allocSummarySumsPerOpAndPath() {
        var s = AllocSummary()
        s.add(seq: 3, AllocationCall(op: .calloc, size: 8, count: 4), AllocationResult(blockSize: 32, liveBytes: 32, chunkSize: 48, path: .top))
        s.add(seq: 5, AllocationCall(op: .malloc, size: 100), AllocationResult(blockSize: 100, liveBytes: 132, chunkSize: 112, path: .top, syscalls: 2))
        s.add(seq: 9, AllocationCall(op: .malloc, size: 10), AllocationResult(blockSize: 10, liveBytes: 142, chunkSize: 32, path: .top))
        #expect(s.rows.map { "\($0.op)/\($0.path)=\($0.sums)" } == ["0/8=[2, 110, 144, 2]", "1/8=[1, 32, 48, 0]"])
        #expect(s.syscallCalls == [5] && s.calls == 3 && s.invariantViolations().isEmpty)
        var broken = s
        broken.sums[1] = 5
        #expect(broken.invariantViolations().contains { $0.contains("sums without calls") })
    }

    /// A replay with the full hardware model: every summary consistent and equal to its rows.
    @Test func afterAReplayTheSummariesAgreeWithTheRows() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        nonisolated(unsafe) var result: Result<(SQLiteStore, String, ReplaySummary), Error>?
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            result = Result {
                let trace = dir.path + "/loc.mrt"
                let synth = LocalitySynthesizer(events: 20_000, seed: 4)
                let writer = try TraceWriter(path: trace, header: synth.header)
                try synth.write(to: writer)
                try writer.close()
                var machine = MachineConfiguration.presets["small-8g"]!
                machine.hardware = .seedX86info
                var reader = try TraceReader(path: trace)
                let db = dir.path + "/run.db"
                let hierarchy = MemoryHierarchy(.seedX86info)
                var sink = try SQLiteStore(path: db, hardware: true)
                var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine), user: RecordedHeap(),
                                          hardware: hierarchy, snapshotInterval: 10_000)
                let info = RunInfo(toolVersion: "test", tracePath: trace, traceHash: "x", configurationJSON: machine.json(),
                                   traceHeaderJSON: "{}", startedAt: 0)
                let summary = try engine.run(&reader, into: &sink, run: info, endedAt: { 1 })
                return (sink, db, summary)
            }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        let (store, db, summary) = try result!.get()
        #expect(store.eventSummary.invariantViolations().isEmpty)
        #expect(store.faultSummary.invariantViolations().isEmpty)
        #expect(store.hardwareSummary.invariantViolations().isEmpty)
        #expect(store.allocSummary.invariantViolations().isEmpty)
        #expect(store.accessSummary.invariantViolations().isEmpty)
        func value(_ sql: String) throws -> String { try HardwareStoreTests.rows(db, sql)[0][0] }
        #expect(store.eventSummary.total == Int64(summary.events))
        #expect(try value("SELECT sum(events) FROM event_summary") == String(summary.events))
        #expect(try value("SELECT sum(faults) FROM fault_summary") == value("SELECT count(*) FROM faults"))
        #expect(Int(try value("SELECT count(*) FROM faults"))! > 0)
        #expect(try value("SELECT sum(accesses) FROM latency_histogram") == value("SELECT count(*) FROM hw_accesses"))
        #expect(try value("SELECT sum(accesses) FROM dram_summary") == value("SELECT count(*) FROM hw_accesses WHERE dram > 0"))
        #expect(try value("SELECT count(*) FROM latency_histogram") == value("SELECT count(*) FROM (SELECT DISTINCT served_by, latency FROM hw_accesses)"))
        let kinds = "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind"
        #expect(try HardwareStoreTests.rows(db, "SELECT kind, sum(events) FROM event_summary GROUP BY kind ORDER BY kind")
                == HardwareStoreTests.rows(db, kinds))
        let perVMA = "SELECT pid, vma, kind, count(*) FROM faults GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        #expect(try HardwareStoreTests.rows(db, "SELECT pid, vma, kind, sum(faults) FROM fault_summary GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
                == HardwareStoreTests.rows(db, perVMA))
    }
}
