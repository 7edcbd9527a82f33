import MemTrace

/// The parameters of a synthesized HotSpot 17 process running G1: the machine, the command
/// line's heap options (nil: HotSpot's ergonomic default) and the workload's allocation behaviour.
public struct JVMOptions: Sendable, Equatable {
    /// Physical memory of the machine the JVM sizes itself for (`os::physical_memory`), bytes.
    public var ram: UInt64
    /// Active processors (`os::active_processor_count`): sizes the GC's thread pools.
    public var cpus: Int
    /// `-Xmx` in bytes; nil: MaxRAMPercentage (25%) of `ram`.
    public var maxHeap: UInt64?
    /// `-Xms` in bytes; nil: InitialRAMPercentage (1/64) of `ram`, at most the maximum.
    public var initialHeap: UInt64?
    /// `-XX:G1HeapRegionSize` in bytes; nil: the ergonomic size.
    public var regionSize: UInt64?
    /// Application threads allocating in parallel (Java threads besides the VM's own).
    public var threads: Int = 4
    /// Bytes allocated per second by all application threads together, in MB/s (10^6 bytes).
    public var allocationRate: Double = 200
    /// Seconds of allocation (virtual time).
    public var duration: Double = 10
    /// Long-lived data built at start-up and kept to the end (caches, sessions), bytes.
    public var liveSet: UInt64 = 32 << 20
    /// Percent of the bytes allocated in eden still alive at their first young collection.
    public var survival: Double = 5
    /// Percent of surviving bytes (survivor or promoted) still alive at each later collection.
    public var aging: Double = 50
    /// Percent of allocated bytes in large arrays allocated outside TLABs (below humongous size).
    public var largeObjects: Double = 5
    /// Percent of allocated bytes in humongous objects (half a region or more).
    public var humongousObjects: Double = 1
    /// Classes the application loads besides the JDK's archived ones (metaspace and class space).
    public var classes: Int = 3000
    /// Bytes of JIT-compiled code by the end of the run (code cache commits).
    public var jitCode: UInt64 = 8 << 20
    /// `-XX:G1PeriodicGCInterval` in milliseconds; 0 (the default) disables periodic collections.
    public var periodicGCInterval: UInt64 = 0
    /// Seconds without allocation after the run (where periodic GC and uncommit show).
    public var idle: Double = 0
    /// `-XX:+UseTransparentHugePages`: madvise(MADV_HUGEPAGE) on the heap and GC structures.
    public var transparentHugePages: Bool = false
    /// Seed of every random choice.
    public var seed: UInt64 = 1

    public init(ram: UInt64, cpus: Int) { self.ram = ram; self.cpus = cpus }

    /// A problem with one option: which option, what it got and what was expected.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var option: String
        public var message: String
        public var description: String { "\(option): \(message)" }
    }

    /// Checks every option's range; the first problem found is thrown.
    public func validate() throws {
        func fail(_ option: String, _ message: String) throws -> Never { throw Invalid(option: option, message: message) }
        if ram < 64 << 20 || ram > 1 << 42 { try fail("--ram", "expected 64M to 4T, got \(ram) bytes") }
        if cpus < 1 || cpus > 1024 { try fail("--cpus", "expected 1 to 1024, got \(cpus)") }
        if let r = regionSize, r < 1 << 20 || r > 32 << 20 || r & (r - 1) != 0 {
            try fail("--region-size", "expected a power of two from 1M to 32M, got \(r) bytes")
        }
        if let x = maxHeap, x < 8 << 20 || x > 1 << 40 { try fail("--xmx", "expected 8M to 1T, got \(x) bytes") }
        if let s = initialHeap {
            if s < 8 << 20 { try fail("--xms", "expected at least 8M, got \(s) bytes") }
            if s > JVMErgonomics(self).maxHeapUnaligned { try fail("--xms", "expected at most the maximum heap (-Xmx), got \(s) bytes") }
        }
        if threads < 1 || threads > 4096 { try fail("--threads", "expected 1 to 4096, got \(threads)") }
        if !(allocationRate > 0 && allocationRate <= 100_000) { try fail("--alloc-rate", "expected more than 0 and at most 100000 MB/s, got \(allocationRate)") }
        if !(duration > 0 && duration <= 86_400) { try fail("--duration", "expected more than 0 and at most 86400 seconds, got \(duration)") }
        if !(idle >= 0 && idle <= 86_400) { try fail("--idle", "expected 0 to 86400 seconds, got \(idle)") }
        for (name, v) in [("--survival", survival), ("--aging", aging), ("--large", largeObjects), ("--humongous", humongousObjects)]
            where !(v >= 0 && v <= 100) { try fail(name, "expected a percentage from 0 to 100, got \(v)") }
        if largeObjects + humongousObjects > 100 { try fail("--large", "--large plus --humongous must be at most 100 percent") }
        if classes < 0 || classes > 1_000_000 { try fail("--classes", "expected 0 to 1000000, got \(classes)") }
        if jitCode > JVMErgonomics.codeHeapSegment * 2 { try fail("--jit-code", "expected at most \(JVMErgonomics.codeHeapSegment * 2 >> 20)M (the two method code heaps), got \(jitCode) bytes") }
        if liveSet >= JVMErgonomics(self).maxHeap { try fail("--live", "expected less than the maximum heap (\(JVMErgonomics(self).maxHeap >> 20)M), got \(liveSet >> 20)M") }
    }

    /// The options as `key=value` header attributes (the resolved ergonomic values included).
    public var attributes: [String: String] {
        let e = JVMErgonomics(self)
        return ["synthesizer": "jvm", "jvm.ram": String(ram), "jvm.cpus": String(cpus),
                "jvm.MaxHeapSize": String(e.maxHeap), "jvm.InitialHeapSize": String(e.initialHeap),
                "jvm.G1HeapRegionSize": String(e.regionSize), "jvm.ParallelGCThreads": String(e.parallelGCThreads),
                "jvm.ConcGCThreads": String(e.concGCThreads), "jvm.threads": String(threads),
                "jvm.alloc_rate_mb_s": String(allocationRate), "jvm.duration_s": String(duration),
                "jvm.live_bytes": String(liveSet), "jvm.survival_pct": String(survival), "jvm.aging_pct": String(aging),
                "jvm.large_pct": String(largeObjects), "jvm.humongous_pct": String(humongousObjects),
                "jvm.classes": String(classes), "jvm.jit_code_bytes": String(jitCode),
                "jvm.G1PeriodicGCInterval_ms": String(periodicGCInterval), "jvm.idle_s": String(idle),
                "jvm.UseTransparentHugePages": transparentHugePages ? "true" : "false", "seed": String(seed)]
    }
}
