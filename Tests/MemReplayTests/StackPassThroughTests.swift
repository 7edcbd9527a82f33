import Testing
import MemTrace
import MemModel
@testable import MemReplay

/// Replay carries each allocation call's stack id through to its outcome unchanged (the store
/// has no column for it yet; the outcome's record does).
@Suite struct StackPassThroughTests {
    @Test func allocationOutcomesKeepTheirStack() throws {
        let pid = ProcessID(1), tid = ThreadID(1)
        let header = TraceHeader(producer: "stack-tests", producerVersion: "1", commandLine: [],
                                 processes: [InitialProcess(pid: 1, executable: "/bin/prog")])
        let records = [
            TraceRecord(time: 1, pid: pid, tid: tid, event: .alloc(AllocationCall(op: .malloc, size: 64, result: VirtualAddress(0x1000), stack: StackID(7)))),
            TraceRecord(time: 2, pid: pid, tid: tid, event: .alloc(AllocationCall(op: .free, pointer: VirtualAddress(0x1000), stack: StackID(9)))),
            TraceRecord(time: 3, pid: pid, tid: tid, event: .alloc(AllocationCall(op: .malloc, size: 8, result: VirtualAddress(0x1040)))),
        ]
        var source = ArrayTraceSource(header: header, records: records, strings: [:])
        var sink = CollectingSink()
        let machine = MachineConfiguration.presets["small-8g"]!
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine), user: RecordedHeap(), hardware: NoHardware(),
                                  snapshotInterval: machine.snapshotInterval)
        _ = try engine.run(&source, into: &sink, run: testRun, endedAt: { 0 })
        let stacks = sink.outcomes.compactMap { o -> StackID? in
            if case .alloc(let a) = o.record.event { return a.stack }
            return nil
        }
        #expect(stacks == [StackID(7), StackID(9), .none])
    }
}
