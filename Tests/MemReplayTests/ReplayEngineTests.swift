import Testing
import MemTrace
import MemModel
@testable import MemReplay

/// Writes `synth` into memory and decodes it back as a trace source.
func synthesizedSource(_ synth: some Synthesizer) throws -> ArrayTraceSource {
    let out = MemoryTraceOutput()
    let writer = try TraceWriter(output: out, header: synth.header)
    try synth.write(to: writer)
    try writer.close()
    var decoder = TraceStreamDecoder()
    try decoder.feed(out.bytes)
    try decoder.finish()
    var records: [TraceRecord] = []
    while let r = try decoder.next() { records.append(r) }
    var strings: [StringID: String] = [:]
    for e in decoder.strings.entries { strings[e.id] = e.text }
    return ArrayTraceSource(header: decoder.header!, records: records, strings: strings)
}

/// Writes `synth` into memory and replays it on `machine`, collecting everything.
func replaySynthesized(_ synth: some Synthesizer, machine: MachineConfiguration = MachineConfiguration.presets["small-8g"]!) throws -> CollectingSink {
    var source = try synthesizedSource(synth)
    var sink = CollectingSink()
    var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine), user: RecordedHeap(), hardware: NoHardware(),
                              snapshotInterval: machine.snapshotInterval)
    _ = try engine.run(&source, into: &sink, run: testRun, endedAt: { 0 })
    return sink
}

@Suite struct ReplayEngineTests {
    @Test func oneOutcomePerEventInOrder() throws {
        let sink = try replaySynthesized(MappingsSynthesizer(size: 1 << 20))
        #expect(sink.began && sink.finished && !sink.aborted)
        #expect(sink.outcomes.map(\.seq) == Array(1...UInt64(sink.outcomes.count)))
        #expect(sink.metric("events.total") == Double(sink.outcomes.count))
        for o in sink.outcomes {
            switch (o.record.event, o.detail) {
            case (.access, .access), (.memory, .memory), (.file, .file), (.control, .control), (.process, .process), (.alloc, .alloc): break
            default: Issue.record("outcome family does not match event at seq \(o.seq)")
            }
        }
    }

    @Test func theSeed000TableIsReproduced() throws {
        let size: UInt64 = 16 << 20
        let sink = try replaySynthesized(MappingsSynthesizer(size: size))
        // Snapshots taken at each phase marker, in phase order.
        let phaseSeqs = sink.outcomes.compactMap { o -> UInt64? in
            if case .control(let c) = o.record.event, c.op == .phase { return o.seq }
            return nil
        }
        #expect(phaseSeqs.count == MappingsSynthesizer.phases.count)
        let snaps = phaseSeqs.map { seq in sink.snapshots.last { $0.seq == seq }! }
        func delta(_ name: String, _ step: Int) -> Int64 {
            let d = sink.counter(name, in: snaps[step + 1]) - sink.counter(name, in: snaps[step])
            // Pages on the per-CPU lists are not free memory (NR_FREE_PAGES), so "used" moves with
            // them; the seed's table is about the mappings: count them out.
            guard name == "free.used" else { return d }
            return d - (sink.counter("phys.pcp_kb", in: snaps[step + 1]) - sink.counter("phys.pcp_kb", in: snaps[step]))
        }
        let kb = Int64(size >> 10)
        let pageTableSlack: Int64 = 64          // kB of page tables a 16 MiB mapping may add to "used"
        // step 1: shared file mapping read → buff/cache +size
        #expect(delta("free.buff_cache", 1) == kb && delta("free.shared", 1) == 0)
        #expect(delta("free.used", 1) >= 0 && delta("free.used", 1) <= pageTableSlack)
        // step 2: private file mapping written → used +size, buff/cache +size
        #expect(delta("free.buff_cache", 2) == kb)
        #expect(delta("free.used", 2) >= kb && delta("free.used", 2) <= kb + pageTableSlack)
        // step 3: private anonymous written → used +size
        #expect(delta("free.buff_cache", 3) == 0)
        #expect(delta("free.used", 3) >= kb && delta("free.used", 3) <= kb + pageTableSlack)
        // step 4: shared anonymous written → buff/cache +size, shared +size
        #expect(delta("free.buff_cache", 4) == kb && delta("free.shared", 4) == kb)
        #expect(delta("free.used", 4) >= 0 && delta("free.used", 4) <= pageTableSlack)
    }

    @Test func dimensionsTrackProcessesAndVMAs() throws {
        let sink = try replaySynthesized(MappingsSynthesizer(size: 1 << 20))
        let p = sink.processes.last { $0.pid == ProcessID(1000) }!
        #expect(p.endSeq == UInt64(sink.outcomes.count) && p.exitStatus == 0)
        // The image's six regions and the four mappings were created; every VMA ended by the exit.
        let ids = Set(sink.vmas.map(\.id))
        #expect(ids.count == 10)
        for id in ids { #expect(sink.vmas.last { $0.id == id }!.endSeq > 0) }
        #expect(sink.files.contains { $0.path == "/data/seed000/shared.bin" })
        #expect(sink.strings.values.contains("shared-anon-write"))
    }

    @Test func faultsAreReportedWithTheirEvent() throws {
        let sink = try replaySynthesized(MappingsSynthesizer(size: 1 << 20))
        let pages = Int((1 << 20) >> 12)
        // Private anonymous and shared anonymous writes fault once per page.
        #expect(sink.faults.filter { $0.kind == .anonNew }.count == pages)
        #expect(sink.faults.filter { $0.kind == .shmemNew }.count == pages)
        for f in sink.faults {
            let o = sink.outcomes[Int(f.seq) - 1]
            if case .access(let t, _) = o.detail { #expect(t.fault == f.kind) } else { Issue.record("fault on a non-access event") }
        }
    }

    @Test func mallocEventsTrackLiveBytes() throws {
        let sink = try replaySynthesized(MallocSynthesizer(events: 20_000, seed: 9))
        var live: UInt64 = 0
        for o in sink.outcomes { if case .alloc(let a) = o.detail { live = a.liveBytes } }
        #expect(live > 0)
        #expect(sink.metric("alloc.unknown_frees") == 0)
        #expect((sink.metric("alloc.peak_requested_bytes") ?? 0) >= Double(live))
    }

    @Test func msyncOutcomeReportsPagesWrittenNotFreed() throws {
        let p = ProcessID(10), t = ThreadID(10), base: UInt64 = 0x7f00_0000_0000
        let events: [Event] = [
            .process(ProcessEvent(op: .spawn)),
            .file(FileCall(op: .open, file: FileID(1), path: StringID(1), size: 4 << 12)),
            .memory(MemoryCall(op: .mmap, length: 4 << 12, prot: [.read, .write], flags: MapFlags.shared.rawValue,
                               file: FileID(1), result: Int64(base))),
            .access(MemoryAccess(kind: .store, address: VirtualAddress(base), size: 8)),
            .access(MemoryAccess(kind: .store, address: VirtualAddress(base + 3 << 12), size: 8)),
            .memory(MemoryCall(op: .msync, address: VirtualAddress(base), length: 4 << 12, flags: 4)),     // MS_SYNC
        ]
        var source = ArrayTraceSource(header: TraceHeader(producer: "test", producerVersion: "0", commandLine: []),
                                      records: events.map { TraceRecord(time: 0, pid: p, tid: t, event: $0) },
                                      strings: [StringID(1): "/data/f"])
        var sink = CollectingSink()
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: MachineConfiguration.presets["tiny-256m"]!),
                                  user: RecordedHeap(), hardware: NoHardware(), snapshotInterval: 100)
        _ = try engine.run(&source, into: &sink, run: testRun, endedAt: { 0 })
        #expect(sink.outcomes.last?.detail == .memory(SyscallResult(result: 0, pagesWritten: 2)))
    }

    @Test func aDamagedSourceAbortsTheSink() throws {
        struct Failing: TraceSource {
            var header = TraceHeader(producer: "t", producerVersion: "0", commandLine: [])
            var n = 0
            mutating func next() throws -> TraceRecord? {
                n += 1
                if n > 3 { throw TestFailure() }
                return TraceRecord(time: 0, pid: ProcessID(1), tid: ThreadID(1), event: .control(ControlEvent(op: .phase)))
            }
            func string(_ id: StringID) -> String? { nil }
        }
        struct TestFailure: Error {}
        var source = Failing()
        var sink = CollectingSink()
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: MachineConfiguration.presets["tiny-256m"]!),
                                  user: RecordedHeap(), hardware: NoHardware(), snapshotInterval: 100)
        #expect(throws: TestFailure.self) { try engine.run(&source, into: &sink, run: testRun, endedAt: { 0 }) }
        #expect(sink.aborted && !sink.finished)
    }
}
