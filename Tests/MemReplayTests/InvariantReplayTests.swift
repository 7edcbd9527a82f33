import Foundation
import Testing
import MemTrace
@testable import MemModel
@testable import MemReplay

/// Every sample trace in traces/ and randomized synthesized workloads replay with the kernel
/// model's checkers run after every event that could change it (`ReplayEngine.checkInvariants`).
@Suite struct InvariantReplayTests {
    static let traces: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("traces")

    /// A 64 MiB machine with THP always on: small, so checking after every event stays cheap, and
    /// tight, so the traces also run into full memory.
    static var machine: MachineConfiguration {
        var c = MachineConfiguration(name: "check-64m", memoryBytes: 64 << 20, kernelReservedBytes: 4 << 20)
        try! c.set("thp.enabled", "always")
        return c
    }

    static var sampleTraces: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: traces.path)) ?? []).filter { $0.hasSuffix(".mrt") }.sorted()
    }

    @Test func everySampleTraceIsListed() {
        #expect(InvariantReplayTests.sampleTraces.count >= 8)
    }

    @Test(arguments: InvariantReplayTests.sampleTraces)
    func sampleTraceKeepsEveryInvariant(name: String) throws {
        var reader = try TraceReader(path: InvariantReplayTests.traces.appendingPathComponent(name).path)
        var sink = DiscardingSink()
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: InvariantReplayTests.machine), user: RecordedHeap(),
                                  hardware: NoHardware(), snapshotInterval: 1 << 30)
        engine.checkInvariants = true
        let summary = try engine.run(&reader, into: &sink, run: testRun, endedAt: { 0 })
        #expect(summary.events > 0)
    }

    /// The same with glibc's allocator model re-allocating the recorded heaps: its brk, mmap and
    /// munmap calls go through the kernel, and the checks run after every call that made one.
    @Test(arguments: ["rec-c-churn.mrt", "rec-python.mrt", "malloc-100k.mrt"])
    func reallocatedTraceKeepsEveryInvariant(name: String) throws {
        var reader = try TraceReader(path: InvariantReplayTests.traces.appendingPathComponent(name).path)
        var sink = DiscardingSink()
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: InvariantReplayTests.machine),
                                  user: ModeledHeap(reallocates: true) { Ptmalloc(layout: $0) },
                                  hardware: NoHardware(), snapshotInterval: 1 << 30)
        engine.checkInvariants = true
        let summary = try engine.run(&reader, into: &sink, run: testRun, endedAt: { 0 })
        #expect(summary.events > 0)
        #expect(engine.user.invariantViolations().isEmpty, "\(engine.user.invariantViolations().prefix(5))")
    }

    @Test(arguments: [3, 17])
    func randomizedWorkloadsKeepEveryInvariant(seed: UInt64) throws {
        let synths: [any Synthesizer] = [LocalitySynthesizer(events: 20_000, seed: seed), MallocSynthesizer(events: 20_000, seed: seed)]
        for synth in synths {
            var source = try synthesizedSource(synth)
            var sink = DiscardingSink()
            var engine = ReplayEngine(kernel: LinuxKernel(configuration: InvariantReplayTests.machine), user: RecordedHeap(),
                                      hardware: NoHardware(), snapshotInterval: 1 << 30)
            engine.checkInvariants = true
            _ = try engine.run(&source, into: &sink, run: testRun, endedAt: { 0 })
        }
    }

    @Test func aBrokenModelStopsTheReplayAtTheEvent() throws {
        // A kernel whose shmem count is wrong from the start: the first check names event 0.
        var kernel = LinuxKernel(configuration: InvariantReplayTests.machine)
        _ = kernel.process(ProcessEvent(op: .spawn), pid: ProcessID(7), tid: ThreadID(7), image: "/bin/x")
        _ = kernel.memory(MemoryCall(op: .mmap, length: 1 << 16, prot: [.read, .write], flags: MapFlags([.shared, .anonymous]).rawValue),
                          pid: ProcessID(7), name: "")
        let object = kernel.cache.shmem.keys.first!
        kernel.cache.miscountMappings(of: object, by: 1)
        var engine = ReplayEngine(kernel: kernel, user: RecordedHeap(), hardware: NoHardware(), snapshotInterval: 1 << 30)
        engine.checkInvariants = true
        var source = ArrayTraceSource(header: TraceHeader(producer: "test", producerVersion: "0", commandLine: []), records: [], strings: [:])
        var sink = DiscardingSink()
        #expect(throws: InvariantFailure.self) { _ = try engine.run(&source, into: &sink, run: testRun, endedAt: { 0 }) }
    }
}
