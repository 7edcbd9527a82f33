import Testing
import MemTrace
import MemModel
@testable import MemReplay

/// Replay carries each allocation call's stack id through to its outcome unchanged, gives the
/// faults an allocation call takes its stack, and hands the sink the trace's stack table once.
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
        #expect(sink.stackTable == StackTable())
    }

    /// Re-allocated replay: the pages the allocator model's first malloc touches fault with that
    /// call's stack; a store's fault (an access event: no stack yet) has none.
    @Test func faultsOfAnAllocationCallCarryItsStack() throws {
        var t = AllocatorKernelTests.Trace(regions: AllocatorKernelTests.imageRegions)
        t.add(.alloc(AllocationCall(op: .malloc, size: 200_000, result: VirtualAddress(0x6000_0000), stack: StackID(3))))
        t.add(.alloc(AllocationCall(op: .malloc, size: 64, result: VirtualAddress(0x6010_0000), stack: StackID(4))))
        t.store(0x7fff_fffd_e000)
        let (_, sink) = try AllocatorKernelTests.replay(t) { Ptmalloc(layout: $0) }
        let first = sink.faults.filter { $0.seq == 1 }
        #expect(!first.isEmpty && first.allSatisfy { $0.stack == StackID(3) }, "\(sink.faults)")
        #expect(sink.faults.filter { $0.seq == 2 }.allSatisfy { $0.stack == StackID(4) })
        let store = sink.faults.filter { $0.seq == 3 }
        #expect(store.count == 1 && store[0].stack == .none, "\(sink.faults)")
    }
}
