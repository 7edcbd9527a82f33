import MemTrace

/// `memreplay synth jvm`: a HotSpot 17 process running G1 — its layout (heap reserved
/// `PROT_NONE` and committed in regions, mark bitmaps and card tables beside it, the code cache,
/// metaspace and the compressed class space, thread stacks with guard zones, the VM's native
/// malloc) and its life (TLAB allocation by application threads, young, mixed and full
/// collections copying live objects, heap expansion and uncommit) as memory calls and touches.
/// Streamed: the generator holds one entry per heap region, never the heap's contents.
public struct JVMSynthesizer: Synthesizer {
    public var options: JVMOptions
    public var pid: UInt32 = 4000

    public init(options: JVMOptions) { self.options = options }

    public var header: TraceHeader {
        let o = options
        var cl = ["memreplay", "synth", "jvm", "--ram", String(o.ram), "--cpus", String(o.cpus)]
        if let x = o.maxHeap { cl += ["--xmx", String(x)] }
        if let x = o.initialHeap { cl += ["--xms", String(x)] }
        if let x = o.regionSize { cl += ["--region-size", String(x)] }
        cl += ["--threads", String(o.threads), "--alloc-rate", String(o.allocationRate), "--duration", String(o.duration),
               "--live", String(o.liveSet), "--survival", String(o.survival), "--aging", String(o.aging),
               "--large", String(o.largeObjects), "--humongous", String(o.humongousObjects), "--classes", String(o.classes),
               "--jit-code", String(o.jitCode), "--periodic-gc", String(o.periodicGCInterval), "--idle", String(o.idle),
               "--seed", String(o.seed)]
        if o.transparentHugePages { cl.append("--thp") }
        return TraceHeader(producer: "memreplay-synth", producerVersion: MemReplayVersion.current, commandLine: cl,
                           processes: [InitialProcess(pid: pid, parent: 1, executable: JVMImage.executable, regions: JVMImage.regions())],
                           attributes: o.attributes)
    }

    public func write(to writer: TraceWriter) throws { _ = try generate(to: writer) }

    /// Writes the trace and returns what happened in it (collections, commits, the outcome).
    public func generate(to writer: TraceWriter) throws -> JVMSummary {
        var g = JVMGenerator(options: options, writer: writer, pid: pid)
        try g.run()
        return g.summary
    }
}

/// What a synthesized JVM run did: counts of collections by kind and the heap's extremes.
public struct JVMSummary: Sendable, Equatable {
    public var youngCollections = 0
    public var mixedCollections = 0
    public var fullCollections = 0
    public var concurrentCycles = 0
    public var periodicCollections = 0
    public var allocatedBytes: UInt64 = 0
    public var peakCommittedHeap: UInt64 = 0
    public var finalCommittedHeap: UInt64 = 0
    public var uncommittedBytes: UInt64 = 0
    public var threads = 0
    /// True when the heap could not hold the live objects: java.lang.OutOfMemoryError, exit 1.
    public var outOfMemory = false

    public init() {}

    /// One line per figure, for the command line.
    public var lines: [String] {
        ["collections: \(youngCollections) young, \(mixedCollections) mixed, \(fullCollections) full, \(concurrentCycles) concurrent cycles (\(periodicCollections) periodic)",
         "allocated \(allocatedBytes >> 20) MiB; heap committed peak \(peakCommittedHeap >> 20) MiB, at the end \(finalCommittedHeap >> 20) MiB, uncommitted \(uncommittedBytes >> 20) MiB",
         "threads: \(threads)" + (outOfMemory ? "; java.lang.OutOfMemoryError: Java heap space (exit 1)" : "")]
    }
}
