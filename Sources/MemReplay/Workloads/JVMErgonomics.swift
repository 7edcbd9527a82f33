import MemTrace

/// HotSpot 17's ergonomic sizing for G1 on Linux x86_64, resolved from `JVMOptions`; the flags'
/// defaults as `java -XX:+PrintFlagsFinal -version` prints them on this machine (OpenJDK
/// 17.0.15).
public struct JVMErgonomics: Sendable, Equatable {
    /// `-Xmx` as given or 25% of RAM, before rounding to the heap alignment.
    public let maxHeapUnaligned: UInt64
    /// G1HeapRegionSize: `HeapRegion::setup_heap_region_size` — MaxHeapSize/2048, at least 1 MiB,
    /// rounded *up* to a power of two (JDK 17 rounds up), at most 32 MiB.
    public let regionSize: UInt64
    /// MaxHeapSize rounded up to the region size (the heap alignment).
    public let maxHeap: UInt64
    /// InitialHeapSize: `-Xms` or RAM/64, rounded up to the region size, at most MaxHeapSize.
    public let initialHeap: UInt64
    /// MinHeapSize: `-Xms` when given, else 8 MiB rounded to a region (as printed on this machine).
    public let minHeap: UInt64
    /// ParallelGCThreads: all CPUs up to 8, then 5/8 of the rest (`VM_Version::parallel_worker_threads`).
    public let parallelGCThreads: Int
    /// ConcGCThreads: (ParallelGCThreads + 2) / 4, at least 1.
    public let concGCThreads: Int

    /// ReservedCodeCacheSize with tiered compilation: 240 MiB in three segments.
    public static let codeCacheSize: UInt64 = 251_658_240
    /// NonNMethodCodeHeapSize as printed (5,826,188 B), page-aligned.
    public static let nonNMethodSegment: UInt64 = Page.alignUp(5_826_188)
    /// ProfiledCodeHeapSize = NonProfiledCodeHeapSize: the rest halved, 64 KiB aligned.
    public static let codeHeapSegment: UInt64 = (codeCacheSize - nonNMethodSegment) / 2 & ~0xFFFF
    /// InitialCodeCacheSize (2,555,904 B = 2,496 KiB) committed in each segment at start-up.
    public static let initialCodeCommit: UInt64 = 2_555_904
    /// CodeCacheExpansionSize: the code heaps grow in 64 KiB commits.
    public static let codeCacheExpansion: UInt64 = 64 << 10
    /// CompressedClassSpaceSize: 1 GiB, reserved right above the 16 MiB CDS archive space.
    public static let classSpaceSize: UInt64 = 1 << 30
    /// The CDS archive's reservation (`SharedBaseAddress` space): 16 MiB, 12,349,440 B mapped.
    public static let archiveSpaceSize: UInt64 = 16 << 20
    /// classes.jsa's mapped size here (the gc,metaspace line: size 12349440).
    public static let archiveMapped: UInt64 = 12_349_440
    /// Metaspace reserves non-class space in 64 MiB nodes (`Metaspace::reserve_alignment` × 16).
    public static let metaspaceNode: UInt64 = 64 << 20
    /// Metaspace commits in 64 KiB granules (`Settings::commit_granule_bytes`).
    public static let metaspaceGranule: UInt64 = 64 << 10
    /// ThreadStackSize = VMThreadStackSize = CompilerThreadStackSize = 1 MiB; glibc adds one guard page.
    public static let stackSize: UInt64 = 1 << 20
    /// HotSpot's guard zones on a Java thread's stack: red 1 + yellow 2 + reserved 1 page.
    public static let javaGuardZone: UInt64 = 4 * Page.size
    /// G1's concurrent mark stack (MarkStackSize 4 M entries × 8 B): measured as a 32 MiB mapping.
    public static let markStackSize: UInt64 = 32 << 20
    /// HeapBaseMinAddress: 2 GiB; an unscaled heap ends at 4 GiB, a zero-based one at 32 GiB.
    public static let heapBaseMinAddress: UInt64 = 2 << 30

    public init(_ o: JVMOptions) {
        maxHeapUnaligned = o.maxHeap ?? o.ram / 4
        var r = o.regionSize ?? max(maxHeapUnaligned / 2048, 1 << 20)
        if o.regionSize == nil {
            var p: UInt64 = 1
            while p < r { p <<= 1 }
            r = min(p, 32 << 20)
        }
        regionSize = r
        maxHeap = (maxHeapUnaligned + r - 1) / r * r
        let initial = o.initialHeap ?? o.ram / 64
        initialHeap = min(maxHeap, max(r, (initial + r - 1) / r * r))
        minHeap = o.initialHeap != nil ? initialHeap : min(initialHeap, max(r, ((8 << 20) + r - 1) / r * r))
        parallelGCThreads = o.cpus <= 8 ? o.cpus : 8 + (o.cpus - 8) * 5 / 8
        concGCThreads = max(1, (parallelGCThreads + 2) / 4)
    }

    /// Regions in the reserved heap.
    public var regionCount: Int { Int(maxHeap / regionSize) }

    /// Where the heap's reservation starts (`ReservedHeapSpace` with compressed oops): ending at
    /// 4 GiB when the heap fits above HeapBaseMinAddress (unscaled), else at 32 GiB (zero-based),
    /// else at 64 GiB plus one region (disjoint base, measured for -Xmx31g); nil above 32 GiB,
    /// where compressed oops are off and the kernel places it.
    public var heapAddress: UInt64? {
        if maxHeap + JVMErgonomics.heapBaseMinAddress <= 4 << 30 { return (4 << 30) - maxHeap }
        if maxHeap + JVMErgonomics.heapBaseMinAddress <= 32 << 30 { return (32 << 30) - maxHeap }
        if maxHeap < 32 << 30 { return (64 << 30) + regionSize }
        return nil
    }
}
