import Foundation
import MemTrace

/// One thread of the synthesized JVM: its id, stack and whether HotSpot treats it as a Java
/// thread (guard zones on its stack) or one of the VM's own (GC, VM thread).
struct JVMThread {
    var tid: ThreadID
    var name: String
    var stackLow: UInt64
    var java: Bool
    /// Pages of its stack's top the thread touches (measured in smaps: 8–88 KiB resident).
    var stackPages: UInt64
}

/// A reserved range the JVM commits piece by piece: start, reserved length, committed length.
struct JVMSpace {
    var base: UInt64
    var size: UInt64
    var committed: UInt64 = 0
}

/// The state of one synthesized JVM run and the code that writes its events; the startup,
/// native memory, metadata and JIT here, the mutators in `+Mutator` and the collector in `+GC`.
struct JVMGenerator {
    let o: JVMOptions
    let e: JVMErgonomics
    let writer: TraceWriter
    let pid: ProcessID
    var rng: SplitMix64
    var time: UInt64 = 0
    var summary = JVMSummary()

    // Layout.
    var mmapTop: UInt64 = JVMImage.lowestLibrary & ~0xFFFF
    var heap: JVMHeap
    var bitmaps: [UInt64] = []            // prev and next mark bitmaps (heap/64 each)
    var tables: [UInt64] = []             // BOT, card table, card counts (heap/512 each)
    var tablePages: [[Bool]] = []         // committed pages of each table
    var code: [JVMSpace] = []             // non-profiled, non-nmethod, profiled
    var classSpace = JVMSpace(base: 0, size: JVMErgonomics.classSpaceSize)
    var metaspace = JVMSpace(base: 0, size: JVMErgonomics.metaspaceNode)
    var brkTop: UInt64 = JVMImage.breakStart
    var mallocTop: UInt64 = JVMImage.breakStart

    // Threads.
    var threads: [JVMThread] = []
    var main: ThreadID { ThreadID(pid.rawValue + 1) }
    var appThreads: [Int] = []            // indexes into `threads`
    var gcWorkers: [Int] = []
    var compilers: [Int] = []             // C2, C1
    var arenas = 0

    // Mutator and collector state.
    var tlab: [(cur: UInt64, end: UInt64)] = []
    var lastPage: [UInt64] = []
    var allocRegion: Int? = nil
    var allocRegionTransient: [UInt64] = []   // per region: bytes allocated that may die (not the live set)
    var edenTarget = 1
    var youngIndex = 0
    var startup = true                        // allocations are the long-lived set while true
    var ages = [UInt64](repeating: 0, count: 16)          // transient survivor bytes by age
    var permanentSurvivors: UInt64 = 0
    var oldAlloc: Int? = nil
    var permanentAlloc: Int? = nil
    var humongous: [(start: Int, count: Int, bytes: UInt64)] = []
    var mixedLeft = 0
    var candidates: [Int] = []
    var lastGCTime: UInt64 = 0
    var jitCommitted: UInt64 = 0
    var failed = false

    init(options: JVMOptions, writer: TraceWriter, pid: UInt32) {
        o = options
        e = JVMErgonomics(options)
        self.writer = writer
        self.pid = ProcessID(pid)
        rng = SplitMix64(seed: options.seed ^ 0x4A56_4D17)
        heap = JVMHeap(base: 0, regionSize: e.regionSize, regions: e.regionCount)
    }

    // MARK: events

    mutating func emit(_ tid: ThreadID, _ event: Event) throws {
        time += 1000
        try writer.append(TraceRecord(time: time, pid: pid, tid: tid, event: event))
    }

    mutating func phase(_ name: String) throws {
        try emit(ThreadID(pid.rawValue), .control(ControlEvent(op: .phase, name: writer.defineString(name))))
    }

    /// One touch per page of [from, to) by `tid`.
    mutating func touch(_ tid: ThreadID, _ kind: AccessKind, _ from: UInt64, _ to: UInt64, stride: UInt64 = Page.size) throws {
        var p = from & ~(Page.size - 1)
        while p < to {
            try writer.append(TraceRecord(time: time, pid: pid, tid: tid,
                                          event: .access(MemoryAccess(kind: kind, address: VirtualAddress(p), size: 8))))
            p += stride
        }
    }

    /// Reserves `size` bytes top-down below the previous reservation, `align`-aligned:
    /// mmap(NULL, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE) as `os::reserve_memory`.
    mutating func reserve(_ tid: ThreadID, _ size: UInt64, align: UInt64 = Page.size, at fixed: UInt64? = nil) throws -> UInt64 {
        let address: UInt64
        if let fixed { address = fixed } else { mmapTop = (mmapTop - size) & ~(align - 1); address = mmapTop }
        try emit(tid, .memory(MemoryCall(op: .mmap, address: VirtualAddress(fixed ?? 0), length: size, prot: [],
                                         flags: MapFlags([.private, .anonymous, .noReserve]).rawValue, result: Int64(address))))
        return address
    }

    /// `os::commit_memory`: mmap(MAP_FIXED) read-write (read-write-execute for code).
    mutating func commit(_ tid: ThreadID, _ address: UInt64, _ size: UInt64, exec: Bool = false) throws {
        try emit(tid, .memory(MemoryCall(op: .mmap, address: VirtualAddress(address), length: size,
                                         prot: exec ? [.read, .write, .execute] : [.read, .write],
                                         flags: MapFlags([.private, .anonymous, .fixed]).rawValue, result: Int64(address))))
    }

    /// `os::uncommit_memory`: mmap(MAP_FIXED|MAP_NORESERVE, PROT_NONE) over the range.
    mutating func uncommit(_ tid: ThreadID, _ address: UInt64, _ size: UInt64) throws {
        try emit(tid, .memory(MemoryCall(op: .mmap, address: VirtualAddress(address), length: size, prot: [],
                                         flags: MapFlags([.private, .anonymous, .fixed, .noReserve]).rawValue, result: Int64(address))))
    }

    // MARK: the run

    mutating func run() throws {
        try phase("jvm startup")
        try emit(ThreadID(pid.rawValue), .memory(MemoryCall(op: .brk, flags: MemoryCall.allocatorInternal, result: Int64(brkTop))))
        try startThread(by: ThreadID(pid.rawValue), name: "main", java: true, pages: 22)
        try layOut()
        try startVMThreads()
        try nativeStartup()
        try loadClasses()
        try startMutators()
        try mutate()
        if !failed { try idle() }
        try finish()
    }

    /// The reservations and initial commits of `Universe::initialize_heap`, the CDS archive and
    /// class space, the code cache and metaspace, in HotSpot's order.
    mutating func layOut() throws {
        // CDS archive + compressed class space: one 1040 MiB reservation, the archive file mapped at its base.
        let cds = try reserve(main, JVMErgonomics.archiveSpaceSize + JVMErgonomics.classSpaceSize, align: 16 << 20)
        let jsa = FileID(1)
        try emit(main, .file(FileCall(op: .open, file: jsa, path: writer.defineString("/usr/lib/jvm/java-17-openjdk-amd64/lib/server/classes.jsa"),
                                      size: Page.alignUp(JVMErgonomics.archiveMapped))))
        try emit(main, .memory(MemoryCall(op: .mmap, address: VirtualAddress(cds), length: Page.alignUp(JVMErgonomics.archiveMapped),
                                          prot: [.read, .write], flags: MapFlags([.private, .fixed]).rawValue, file: jsa, result: Int64(cds))))
        try touch(main, .touchLoad, cds, cds + Page.alignUp(JVMErgonomics.archiveMapped))
        classSpace.base = cds + JVMErgonomics.archiveSpaceSize

        // Code cache: 240 MiB reserved; non-profiled at the base, non-nmethod, profiled at the top.
        let cc = try reserve(main, JVMErgonomics.codeCacheSize, align: 2 << 20)
        code = [JVMSpace(base: cc, size: JVMErgonomics.codeHeapSegment),
                JVMSpace(base: cc + JVMErgonomics.codeHeapSegment, size: JVMErgonomics.nonNMethodSegment),
                JVMSpace(base: cc + JVMErgonomics.codeHeapSegment + JVMErgonomics.nonNMethodSegment,
                         size: JVMErgonomics.codeCacheSize - JVMErgonomics.codeHeapSegment - JVMErgonomics.nonNMethodSegment)]
        for i in [1, 0, 2] {
            try commit(main, code[i].base, JVMErgonomics.initialCodeCommit, exec: true)
            code[i].committed = JVMErgonomics.initialCodeCommit
        }
        try touch(main, .touchStore, code[1].base, code[1].base + 448 << 10)   // stubs and the interpreter (448 KiB resident, measured)

        // The heap at its compressed-oops address, then G1's side tables.
        let heapBase = try reserve(main, e.maxHeap, align: e.regionSize, at: e.heapAddress)
        if e.heapAddress == nil { mmapTop = heapBase }
        heap = JVMHeap(base: heapBase, regionSize: e.regionSize, regions: e.regionCount)
        for _ in 0..<3 { tables.append(try reserve(main, Page.alignUp(e.maxHeap / 512))) }
        tablePages = tables.map { _ in [Bool](repeating: false, count: Int(Page.alignUp(e.maxHeap / 512) / Page.size)) }
        for _ in 0..<2 { bitmaps.append(try reserve(main, Page.alignUp(e.maxHeap / 64))) }
        let markStack = try reserve(main, JVMErgonomics.markStackSize)
        try commit(main, markStack, JVMErgonomics.markStackSize)
        try expandHeap(regions: Int(e.initialHeap / e.regionSize))

        // Metaspace: the first 64 MiB node, two granules committed for the boot loader.
        metaspace.base = try reserve(main, JVMErgonomics.metaspaceNode, align: 4 << 20)
        try growMetaspace(nonClass: 2 * JVMErgonomics.metaspaceGranule, classBytes: 2 * JVMErgonomics.metaspaceGranule)
        edenTarget = max(1, heap.committed * 5 / 100)
    }

    /// Commits heap regions (lowest uncommitted first) with their share of the side tables.
    mutating func expandHeap(regions n: Int) throws {
        for range in heap.expand(by: n) {
            let start = heap.address(range.lowerBound), length = UInt64(range.count) * e.regionSize
            try commit(main, start, length)
            if o.transparentHugePages {
                try emit(main, .memory(MemoryCall(op: .madvise, address: VirtualAddress(start), length: length, flags: Advice.hugePage.rawValue)))
            }
            for b in bitmaps {
                try commit(main, b + UInt64(range.lowerBound) * e.regionSize / 64, length / 64)
            }
            for t in 0..<tables.count { try commitTable(t, range) }
            try malloc(UInt64(range.count) * 19_530)   // NMT "GC" malloc: 4,999,647 B for 256 regions (measured)
        }
        summary.peakCommittedHeap = max(summary.peakCommittedHeap, UInt64(heap.committed) * e.regionSize)
    }

    /// Commits the pages of side table `t` that regions `range` need and are not yet committed:
    /// one call per range when a region covers whole pages, else one per page
    /// (`G1RegionsLargerThanCommitSizeMapper` / `G1RegionsSmallerThanCommitSizeMapper`).
    mutating func commitTable(_ t: Int, _ range: Range<Int>) throws {
        let perRegion = e.regionSize / 512
        let first = Int(UInt64(range.lowerBound) * perRegion / Page.size)
        let last = Int((UInt64(range.upperBound) * perRegion - 1) / Page.size)
        if perRegion >= Page.size {
            for p in first...last { tablePages[t][p] = true }
            try commit(main, tables[t] + UInt64(first) * Page.size, UInt64(last - first + 1) * Page.size)
            return
        }
        for p in first...last where !tablePages[t][p] {
            tablePages[t][p] = true
            try commit(main, tables[t] + UInt64(p) * Page.size, Page.size)
        }
    }

    /// Uncommits side-table pages none of whose regions is committed any more.
    mutating func uncommitTables(_ range: Range<Int>) throws {
        let perRegion = e.regionSize / 512
        let regionsPerPage = max(1, Int(Page.size / perRegion))
        for t in 0..<tables.count {
            let first = Int(UInt64(range.lowerBound) * perRegion / Page.size)
            let last = Int((UInt64(range.upperBound) * perRegion - 1) / Page.size)
            var p = first
            while p <= last {
                let r0 = p * Int(Page.size / max(1, min(perRegion, Page.size)))
                let covered = (r0..<min(heap.regionCount, r0 + regionsPerPage)).allSatisfy { heap.kind[$0] == .uncommitted }
                if tablePages[t][p] && (perRegion >= Page.size || covered) {
                    var q = p
                    while q + 1 <= last && tablePages[t][q + 1] && perRegion >= Page.size { q += 1 }
                    for k in p...q { tablePages[t][k] = false }
                    try uncommit(main, tables[t] + UInt64(p) * Page.size, UInt64(q - p + 1) * Page.size)
                    p = q + 1
                } else { p += 1 }
            }
        }
    }

    // MARK: threads

    /// `os::create_thread`: glibc maps the stack (1 MiB + its guard page) for the new thread, the
    /// thread starts; a Java thread then maps and protects its guard zones at the stack's low end
    /// (`StackOverflow::create_stack_guard_pages`) and runs on the stack's top pages.
    mutating func startThread(by creator: ThreadID, name: String, java: Bool, pages: UInt64) throws {
        let tid = ThreadID(pid.rawValue + 1 + UInt32(threads.count))
        let size = JVMErgonomics.stackSize + Page.size
        mmapTop -= size
        let low = mmapTop
        try emit(creator, .memory(MemoryCall(op: .mmap, length: size, prot: [.read, .write],
                                             flags: MapFlags([.private, .anonymous]).rawValue | MemoryCall.allocatorInternal, result: Int64(low))))
        try emit(creator, .memory(MemoryCall(op: .mprotect, address: VirtualAddress(low), length: Page.size, prot: [])))
        try emit(creator, .process(ProcessEvent(op: .threadStart, thread: tid)))
        threads.append(JVMThread(tid: tid, name: name, stackLow: low, java: java, stackPages: pages))
        if java {
            try commit(tid, low, JVMErgonomics.javaGuardZone)
            try emit(tid, .memory(MemoryCall(op: .mprotect, address: VirtualAddress(low), length: JVMErgonomics.javaGuardZone, prot: [])))
        }
        try touch(tid, .touchStore, low + size - pages * Page.size, low + size)
        summary.threads = threads.count + 1
        if java && threads.count > 1 && arenas < 8 * o.cpus { try mallocArena(tid) }
    }

    /// glibc's per-thread malloc arena (`new_heap`): 64 MiB reserved PROT_NONE at a 64 MiB
    /// boundary, 132 KiB made read-write, a few pages written (smaps of `java -Xmx256m`: 14
    /// arenas for its 15 Java threads besides main, median 24 KiB resident); at most 8 × CPUs.
    mutating func mallocArena(_ tid: ThreadID) throws {
        let size: UInt64 = 64 << 20
        mmapTop = (mmapTop - size) & ~(size - 1)
        let at = mmapTop
        try emit(tid, .memory(MemoryCall(op: .mmap, length: size, prot: [],
                                         flags: MapFlags([.private, .anonymous, .noReserve]).rawValue | MemoryCall.allocatorInternal, result: Int64(at))))
        try emit(tid, .memory(MemoryCall(op: .mprotect, address: VirtualAddress(at), length: 132 << 10, prot: [.read, .write])))
        try touch(tid, .touchStore, at, at + 6 * Page.size)
        arenas += 1
    }

    /// The VM's own threads of JDK 17 with G1 (as /proc/PID/task lists them for `java -Xmx256m`
    /// on 2 CPUs: 20 with the launcher's): GC workers, G1's concurrent threads, the VM thread,
    /// the JIT compilers and the Java-level service threads.
    mutating func startVMThreads() throws {
        for i in 0..<e.parallelGCThreads {
            gcWorkers.append(threads.count)
            try startThread(by: main, name: "GC Thread#\(i)", java: false, pages: 6)
        }
        try startThread(by: main, name: "G1 Main Marker", java: false, pages: 2)
        for i in 0..<e.concGCThreads { try startThread(by: main, name: "G1 Conc#\(i)", java: false, pages: 6) }
        for i in 0..<e.parallelGCThreads { try startThread(by: main, name: "G1 Refine#\(i)", java: false, pages: 2) }
        for name in ["G1 Service", "VM Periodic Task Thread", "VM Thread"] { try startThread(by: main, name: name, java: false, pages: 2) }
        for name in ["Reference Handler", "Finalizer", "Signal Dispatcher", "Service Thread", "Monitor Deflation Thread",
                     "Sweeper thread", "Notification Thread", "Common-Cleaner"] {
            try startThread(by: main, name: name, java: true, pages: 6)
        }
        for name in ["C2 CompilerThread0", "C1 CompilerThread0"] {
            compilers.append(threads.count)
            try startThread(by: main, name: name, java: true, pages: 22)
        }
    }

    // MARK: native memory, metadata, code

    /// A malloc from the VM's native memory on the brk heap (glibc extends the break by the
    /// request plus M_TOP_PAD's 128 KiB); the block's pages are written.
    mutating func malloc(_ size: UInt64) throws {
        let block = mallocTop
        mallocTop += (size + 8 + 15) & ~15
        if mallocTop > brkTop {
            brkTop = Page.alignUp(mallocTop + (128 << 10))
            try emit(main, .memory(MemoryCall(op: .brk, address: VirtualAddress(brkTop), flags: MemoryCall.allocatorInternal, result: Int64(brkTop))))
        }
        try emit(main, .alloc(AllocationCall(op: .malloc, size: size, result: VirtualAddress(block + 16))))
        try touch(main, .touchStore, block, block + size)
    }

    /// NMT's start-up categories besides GC (measured with -XX:NativeMemoryTracking=summary for
    /// `java -Xmx256m`): Symbol 791,816 B, Arena Chunk 707,320, Internal 199,093, Class 84,351,
    /// Code 39,672, Synchronization 31,216, Thread 1,592 per thread; in 64 KiB blocks.
    mutating func nativeStartup() throws {
        let total: UInt64 = 791_816 + 707_320 + 199_093 + 84_351 + 39_672 + 31_216 + 1_592 * UInt64(threads.count + o.threads)
        var left = total
        while left > 0 { let n = min(left, 64 << 10); try malloc(n); left -= n }
    }

    /// Commits metaspace granules and class-space granules to hold `nonClass` and `classBytes`
    /// more bytes, writing them.
    mutating func growMetaspace(nonClass: UInt64, classBytes: UInt64) throws {
        for (isClass, add) in [(false, nonClass), (true, classBytes)] where add > 0 {
            var s = isClass ? classSpace : metaspace
            let used = s.committed + add
            while s.committed < used && s.committed < s.size {
                let at = s.base + s.committed
                try commit(main, at, JVMErgonomics.metaspaceGranule)
                try touch(main, .touchStore, at, at + JVMErgonomics.metaspaceGranule)
                s.committed += JVMErgonomics.metaspaceGranule
            }
            if isClass { classSpace = s } else { metaspace = s }
        }
    }

    /// Loads the application's classes: per class 1,363 B of non-class metaspace, 520 B of
    /// class space and 50 B of malloc (measured: NMT before and after loading 2,020 small classes).
    mutating func loadClasses() throws {
        guard o.classes > 0 else { return }
        try phase("class loading")
        let n = UInt64(o.classes)
        try growMetaspace(nonClass: n * 1_363, classBytes: n * 520)
        var left = n * 50
        while left > 0 { let k = min(left, 64 << 10); try malloc(k); left -= k }
    }

    /// Grows the method code heaps toward `--jit-code` × (1 − e^(−4t/duration)): compiled code
    /// comes early in a run; profiled and non-profiled heaps alternate; 64 KiB commits, the
    /// code's pages written by the compiler threads.
    mutating func growCode(elapsed: Double) throws {
        let target = UInt64(Double(o.jitCode) * (1 - exp(-4 * elapsed / o.duration)))
        while jitCommitted + JVMErgonomics.codeCacheExpansion <= target {
            let k = jitCommitted / JVMErgonomics.codeCacheExpansion
            let seg = k % 2 == 0 ? 2 : 0
            let compiler = threads[compilers[seg == 2 ? 1 : 0]].tid
            let offset = k / 2 * JVMErgonomics.codeCacheExpansion
            let at = code[seg].base + offset
            if offset + JVMErgonomics.codeCacheExpansion > code[seg].committed {
                try commit(compiler, code[seg].base + code[seg].committed, JVMErgonomics.codeCacheExpansion, exec: true)
                code[seg].committed += JVMErgonomics.codeCacheExpansion
            }
            try touch(compiler, .touchStore, at, at + JVMErgonomics.codeCacheExpansion)
            jitCommitted += JVMErgonomics.codeCacheExpansion
        }
    }
}
