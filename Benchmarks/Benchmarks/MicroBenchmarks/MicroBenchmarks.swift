// memreplay's micro benchmarks in the package-benchmark harness: the workloads of memreplay-bench
// (Sources/MemBench), each iteration a fixed batch whose size is the benchmark's scaling factor, so
// the harness reports wall clock, CPU and mallocs per operation and operations per second.
#if canImport(Glibc)
import Glibc
#endif
import Benchmark
import MemBenchKit
import MemModel
import MemReplay
import MemStore
import MemTrace

/// Metrics of every micro benchmark; malloc counts come from the harness's MallocInterposer.
let microMetrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .peakMemoryResident]

/// Relative p50 +25% / p99 +50%: this shared 2-core VM's runs of one build differ by 10–20% at p50.
let microThresholds: [BenchmarkMetric: BenchmarkThresholds] = [
    .wallClock: .init(relative: [.p50: 25.0, .p99: 50.0]),
    .cpuTotal: .init(relative: [.p50: 25.0, .p99: 50.0]),
    .throughput: .init(relative: [.p50: 25.0, .p99: 50.0]),
    .mallocCountTotal: .init(relative: [.p50: 5.0]),
]

func micro(_ scale: BenchmarkScalingFactor = .mega, iterations: Int = 10) -> Benchmark.Configuration {
    .init(metrics: microMetrics, warmupIterations: 1, scalingFactor: scale, maxDuration: .seconds(5),
          maxIterations: iterations, thresholds: microThresholds)
}

let benchmarks: @Sendable () -> Void = {
    let events = BenchmarkScalingFactor.mega.rawValue

    // Decoding an access trace (program-like locality, format 2), one event per operation.
    var encoded: [UInt8] = []
    var accesses: [MemoryAccess] = []
    Benchmark("decode access trace", configuration: micro()) { benchmark in
        var decoder = TraceStreamDecoder(source: "<harness>")
        try? decoder.feed(encoded)
        var sum: UInt64 = 0
        for _ in benchmark.scaledIterations {
            if let r = try? decoder.next(), case .access(let a) = r.event { sum &+= a.address.rawValue }
        }
        blackHole(sum)
    } setup: {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: TraceHeader(producer: "memreplay-benchmarks", producerVersion: "1",
                                                                     commandLine: ["decode"]))
        var stream = LocalityStream(seed: 1)
        for _ in 0..<events { try writer.append(stream.next()) }
        try writer.close()
        encoded = output.bytes
        var decoder = TraceStreamDecoder(source: "<harness>")
        try decoder.feed(encoded)
        accesses.removeAll(keepingCapacity: true)
        while let r = try decoder.next() { if case .access(let a) = r.event { accesses.append(a) } }
        precondition(accesses.count == events)
    }

    // The hardware model over decoded accesses: cachegrind's preset, and the full seed-x86info model
    // (TLBs, paging-structure caches, walks, three caches, DRAM) fed frames of a fixed mapping.
    Benchmark("hardware cachegrind preset", configuration: micro()) { benchmark in
        var hw = MemoryHierarchy(.cachegrind)
        var sum: UInt64 = 0
        for i in benchmark.scaledIterations {
            sum &+= UInt64(hw.access(accesses[i], asid: 1, frame: PageFrameNumber(0), walk: .unknown).latency)
        }
        blackHole(sum &+ hw.counters.D1mr)
    } setup: {
        if accesses.count < events { accesses = decodedAccesses(events) }
    }
    Benchmark("hardware full seed-x86info", configuration: micro()) { benchmark in
        var config = HardwareConfiguration.seedX86info
        config.recordAccesses = true
        var hw = MemoryHierarchy(config)
        var sum: UInt64 = 0
        for i in benchmark.scaledIterations { sum &+= BenchWorkloads.fullHardwareAccess(&hw, accesses[i]) }
        blackHole(sum &+ hw.counters.tlbWalks)
    } setup: {
        if accesses.count < events { accesses = decodedAccesses(events) }
    }

    // Order-0 allocate+free pairs through the buddy allocator of an 8 GiB machine.
    var memory = PhysicalMemory(configuration: PhysicalConfiguration(), memoryBytes: 8 << 30, kernelReservedBytes: 160 << 20)
    Benchmark("buddy alloc+free pairs", configuration: micro()) { benchmark in
        var sum: UInt64 = 0
        for _ in benchmark.scaledIterations {
            let p = memory.allocate(for: .anonymous)!
            sum &+= p.rawValue
            memory.release(p)
        }
        blackHole(sum)
    } teardown: {
        precondition(memory.invariantViolations().isEmpty)
    }

    // The ptmalloc model: malloc/free churn over 4,096 slots (memreplay-bench's size mix).
    var churn: (sizes: [UInt32], slots: [UInt16]) = ([], [])
    Benchmark("ptmalloc churn", configuration: micro()) { benchmark in
        var heap = Ptmalloc()
        var live = [UInt64](repeating: 0, count: 4096)
        var sum: UInt64 = 0
        for i in benchmark.scaledIterations {
            let s = Int(churn.slots[i])
            if live[s] != 0 { heap.free(live[s], thread: 1) }
            live[s] = heap.malloc(UInt64(churn.sizes[i]), thread: 1)
            sum &+= live[s]
            if heap.effects.syscalls.count > 64 { heap.effects.drain() }
        }
        blackHole(sum)
    } setup: {
        churn = churnSizes(events)
    }

    // First-touch anonymous faults through the kernel model: one store per page of a fresh mapping.
    Benchmark("first-touch faults", configuration: micro(iterations: 5)) { benchmark in
        let pid = ProcessID(1)
        var k = LinuxKernel(configuration: MachineConfiguration.presets["small-8g"]!)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(1), image: "/bench")
        let pages = UInt64(benchmark.scaledIterations.count)
        let base = UInt64(k.memory(MemoryCall(op: .mmap, length: pages << 12, prot: [.read, .write],
                                              flags: MapFlags([.private, .anonymous]).rawValue), pid: pid, name: "").result)
        _ = k.takeChanges()
        benchmark.startMeasurement()
        var sum: UInt64 = 0
        for i in 0..<pages {
            sum &+= k.access(MemoryAccess(kind: .store, address: VirtualAddress(base + i << 12), size: 8), pid: pid).frame.rawValue
        }
        benchmark.stopMeasurement()
        precondition(k.stats.pgfault == pages)
        blackHole(sum)
    }

    // VMA lookups in a process with 10,000 VMAs, random addresses across them.
    var space = AddressSpace()
    var probes: [UInt64] = []
    Benchmark("VMA lookups, 10k VMAs", configuration: micro()) { benchmark in
        var hits = 0
        for i in benchmark.scaledIterations { if let v = space.find(probes[i]) { hits &+= v } }
        blackHole(hits)
    } setup: {
        (space, _, probes) = BenchWorkloads.vmaLayout(probes: events)
    }

    // Access outcomes stored through SQLiteStore (writer thread, multi-row INSERTs) from opening
    // the database to `finish`: two rows per event (`events`, `accesses`).
    Benchmark("store insert", configuration: micro(.kilo, iterations: 5)) { benchmark in
        let path = "/tmp/memreplay-harness-store-\(getpid()).db"
        do {
            let store = try SQLiteStore(path: path)
            try store.begin(RunInfo(toolVersion: "bench", tracePath: "", traceHash: "", configurationJSON: "{}",
                                    traceHeaderJSON: "{}", startedAt: 0))
            try store.declareCounters([])
            // 100 events per scaled operation: 100,000 events, 200,000 rows an iteration.
            for i in 0..<(benchmark.scaledIterations.count * 100) { try store.record(storeOutcome(i)) }
            try store.finish(metrics: [], endedAt: 0)
        } catch {
            benchmark.error("store insert: \(error)")
        }
        unlink(path)
    }
}
