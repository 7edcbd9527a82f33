import Foundation
import Testing
import MemTrace
@testable import MemModel
@testable import MemReplay

/// A Redis-BGSAVE-like trace replayed under each overcommit mode: a process writes a private heap
/// of 60% of CommitLimit and forks; the child writes a page, maps memory and exits. Under
/// `vm.overcommit_memory=2` the fork fails with ENOMEM and the child's events find no process;
/// under 1 (and 0) it succeeds.
@Suite struct OvercommitReplayTests {
    static let parent = ProcessID(100), child = ProcessID(101)
    static let heap: UInt64 = 0x7f00_0000_0000

    static func machine(_ settings: [(String, String)]) throws -> MachineConfiguration {
        var m = MachineConfiguration.presets["small-8g"]!
        try m.set("memory", "512M")             // small, so checking after every event stays cheap
        for (k, v) in settings { try m.set(k, v) }
        return m
    }

    /// The trace, for a heap of `pages`.
    static func trace(heapPages pages: UInt64) -> ArrayTraceSource {
        let p = parent, t = ThreadID(100), c = child, ct = ThreadID(101)
        var events: [(ProcessID, ThreadID, Event)] = [
            (p, t, .process(ProcessEvent(op: .spawn, image: StringID(1)))),
            (p, t, .memory(MemoryCall(op: .mmap, length: pages * Page.size, prot: [.read, .write],
                                      flags: MapFlags([.private, .anonymous]).rawValue, result: Int64(heap)))),
        ]
        for i in stride(from: 0, to: pages, by: 1024) {
            events.append((p, t, .access(MemoryAccess(kind: .store, address: VirtualAddress(heap + i * Page.size), size: 8))))
        }
        events += [
            (p, t, .process(ProcessEvent(op: .fork, process: c, thread: ct))),
            (c, ct, .access(MemoryAccess(kind: .store, address: VirtualAddress(heap), size: 8))),
            (c, ct, .memory(MemoryCall(op: .mmap, length: 16 * Page.size, prot: [.read, .write],
                                       flags: MapFlags([.private, .anonymous]).rawValue, result: Int64(heap - (1 << 30))))),
            (c, ct, .process(ProcessEvent(op: .exit, status: 0))),
            (p, t, .access(MemoryAccess(kind: .store, address: VirtualAddress(heap + Page.size), size: 8))),
            (p, t, .process(ProcessEvent(op: .exit, status: 0))),
        ]
        let records = events.enumerated().map { i, e in TraceRecord(time: UInt64(i + 1) * 1000, pid: e.0, tid: e.1, event: e.2) }
        return ArrayTraceSource(header: TraceHeader(producer: "test", producerVersion: "0", commandLine: []), records: records,
                                strings: [StringID(1): "/usr/bin/redis-server"])
    }

    /// Replays the trace on a 512 MiB machine with `settings`, checking invariants after every event.
    static func replay(_ settings: [(String, String)]) throws -> (sink: CollectingSink, fork: ProcessResult) {
        let m = try machine(settings)
        let pages = LinuxKernel(configuration: m).commitLimitPages * 6 / 10
        var source = trace(heapPages: pages)
        var sink = CollectingSink()
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: m), user: RecordedHeap(), hardware: NoHardware(),
                                  snapshotInterval: 1)
        engine.checkInvariants = true
        _ = try engine.run(&source, into: &sink, run: testRun, endedAt: { 0 })
        let fork = sink.outcomes.compactMap { o -> ProcessResult? in
            if case .process(let e) = o.record.event, e.op == .fork, case .process(let r) = o.detail { return r }
            return nil
        }
        return (sink, try #require(fork.first))
    }

    @Test func forkFailsUnderStrictOvercommitAndTheChildsEventsFindNoProcess() throws {
        let (sink, fork) = try OvercommitReplayTests.replay([("vm.overcommit_memory", "2")])
        #expect(fork.failed && fork.errno == Errno.enomem.rawValue && fork.pid == OvercommitReplayTests.child)
        #expect(sink.processes.map(\.pid) == [OvercommitReplayTests.parent, OvercommitReplayTests.parent])   // start, end
        #expect(sink.metric("commit.refusals") == 1)
        #expect(sink.metric("faults.process_dead") == 1)
        // The child's mmap: −ENOMEM, as for any event of a process that does not exist.
        let childMmap = sink.outcomes.first { o in
            if case .memory(let m) = o.record.event { m.op == .mmap && o.record.pid == OvercommitReplayTests.child } else { false }
        }
        if case .memory(let r)? = childMmap?.detail { #expect(r.errno == Errno.enomem.rawValue) } else { Issue.record("no child mmap outcome") }
        #expect(sink.metric("meminfo.Committed_AS") == 0 && sink.metric("processes.alive") == 0)
        #expect(sink.finished && !sink.aborted)
    }

    @Test func forkSucceedsWhenOvercommitIsAlwaysAllowedOrHeuristic() throws {
        for mode in ["1", "0"] {
            let (sink, fork) = try OvercommitReplayTests.replay([("vm.overcommit_memory", mode)])
            #expect(!fork.failed && fork.errno == 0, "mode \(mode)")
            #expect(Set(sink.processes.map(\.pid)) == [OvercommitReplayTests.parent, OvercommitReplayTests.child])
            #expect(sink.metric("commit.refusals") == 0 && sink.metric("faults.process_dead") == 0)
            #expect(sink.metric("faults.cow_copy") == 1)
            // Committed_AS peaked at twice the heap, above CommitLimit, while both lived.
            let limit = Int64(LinuxKernel(configuration: try OvercommitReplayTests.machine([])).commitLimitPages * 4)
            let peak = sink.snapshots.map { sink.counter("meminfo.Committed_AS", in: $0) }.max() ?? 0
            #expect(peak > limit && peak < limit * 5 / 4)
        }
    }

    /// Sample traces that map, fork and exit, replayed on the invariant tests' 64 MiB machine under
    /// strict overcommit (refused mmaps, brk, stack growth and, for Redis, its fork), keep every
    /// invariant.
    @Test(arguments: ["rec-redis.mrt", "rec-python.mrt"])
    func strictOvercommitKeepsEveryInvariant(name: String) throws {
        var reader = try TraceReader(path: InvariantReplayTests.traces.appendingPathComponent(name).path)
        var sink = DiscardingSink()
        var m = InvariantReplayTests.machine
        try m.set("vm.overcommit_memory", "2")
        try m.set("vm.overcommit_ratio", "40")
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: m), user: RecordedHeap(), hardware: NoHardware(),
                                  snapshotInterval: 1 << 30)
        engine.checkInvariants = true
        let summary = try engine.run(&reader, into: &sink, run: testRun, endedAt: { 0 })
        #expect(summary.metric("commit.refusals") ?? 0 >= 1)
    }
}
