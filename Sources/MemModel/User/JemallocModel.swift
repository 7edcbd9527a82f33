/// A jemalloc-5.x-like allocator model: size classes (four per doubling), small sizes from
/// slabs (regions taken lowest first), large sizes as page extents, arenas (4 per core, threads
/// assigned round-robin, huge requests ≥ 8 MiB in their own arena), per-thread caches (filled
/// half-way on a miss, flushed by half when full), and extent caches per state: freed extents
/// are dirty; dirty and muzzy pages decay over `dirtyDecayMs` / `muzzyDecayMs` (jemalloc's
/// smoothstep curve) and are purged with madvise (MADV_FREE to muzzy, MADV_DONTNEED to retained).
/// Virtual memory is retained, never unmapped (opt.retain on Linux); it grows by mmap in
/// geometrically growing steps from 2 MiB (`exp_grow`) wherever the kernel places them; when the
/// kernel refuses a step, the exact size is mapped instead, and when it refuses that too the call
/// returns NULL (ENOMEM).
///
/// "Like", not the real thing: extent placement is lowest-address first fit; decay is evaluated
/// per 1/200 of the decay time, as jemalloc's epochs are, from the trace's clock.
public struct JemallocModel: HeapAllocator {
    public struct Options: Hashable, Sendable {
        public var dirtyDecayMs: UInt64 = 10_000
        public var muzzyDecayMs: UInt64 = 0
        public var cores = 2
        /// Largest size the thread cache holds (opt.tcache_max).
        public var tcacheMax: UInt64 = 32 << 10
        /// Requests from here on go to the huge arena (opt.oversize_threshold).
        public var oversizeThreshold: UInt64 = 8 << 20
        public init() {}
    }

    struct Slab { var start: UInt64; var bin: Int; var arena: Int; var nfree: Int; var bits: [UInt64] }
    struct Extent { var start: UInt64; var size: UInt64; var since: UInt64 }
    struct Arena {
        var nonfull: [[Int]] = [[Int]](repeating: [], count: JemallocSizeClasses.smallCount)
        var dirty: [Extent] = []
        var muzzy: [Extent] = []
        var retained: [Extent] = []
        var lastDecay: UInt64 = 0
    }

    public let name = "jemalloc"
    public let options: Options
    /// The mappings the kernel gave the model (start, length), in the order made: never unmapped.
    var maps: [(start: UInt64, size: UInt64)] = []
    var arenas: [Arena]
    var slabs: [Slab] = []
    var freeSlabIDs: [Int] = []
    var slabByPage: [UInt64: Int] = [:]
    /// Live large extents: start → (size, arena).
    var large: [UInt64: (size: UInt64, arena: Int)] = [:]
    /// Thread → (arena, cache bins).
    var threadArena: [UInt32: Int] = [:]
    /// Per-thread cache bins, by thread slot; `cacheSlot` maps threads to slots.
    var caches: [[[UInt64]]] = []
    var cacheSlot: [UInt32: Int] = [:]
    var lastThread: UInt32 = .max
    var lastSlot = 0
    var nextArena = 0
    var growIndex: Int
    /// Virtual memory mapped, and the part of it purged (retained) or lazily freed (muzzy).
    public internal(set) var mappedBytes: UInt64 = 0
    public internal(set) var retainedBytes: UInt64 = 0
    public internal(set) var muzzyBytes: UInt64 = 0
    public internal(set) var dirtyBytes: UInt64 = 0
    /// The trace's clock in nanoseconds.
    public var now: UInt64 = 0
    var nextDecay: UInt64 = 0

    public var effects: AllocatorEffects
    public internal(set) var lastChunkSize: UInt64 = 0
    public internal(set) var lastPath: AllocPath = .none
    public internal(set) var allocatedBytes: UInt64 = 0
    public internal(set) var searchSteps: UInt64 = 0

    public init(layout: HeapLayout = HeapLayout(), options: Options = Options()) {
        self.options = options
        effects = AllocatorEffects(standIn: StandInKernel(layout: layout))
        arenas = [Arena](repeating: Arena(), count: 4 * max(1, options.cores) + 1)
        growIndex = JemallocSizeClasses.index(2 << 20)!
    }

    public var breakBytes: UInt64 { 0 }

    /// Every mapping the model made (none is ever unmapped; purged pages stay mapped).
    public var mappings: [AllocatorMapping] {
        maps.map { AllocatorMapping(start: $0.start, end: $0.start + $0.size, prot: [.read, .write]) }.sorted { $0.start < $1.start }
    }
    public var heapBytes: UInt64 { mappedBytes - retainedBytes }
    var hugeArena: Int { arenas.count - 1 }

    mutating func arena(for t: UInt32) -> Int {
        if let a = threadArena[t] { return a }
        let a = nextArena % (arenas.count - 1)
        nextArena += 1
        threadArena[t] = a
        return a
    }

    /// The cache slot of a thread (a new, empty cache on its first call).
    @inline(__always) mutating func slot(_ t: UInt32) -> Int {
        if t == lastThread { return lastSlot }
        let c: Int
        if let s = cacheSlot[t] { c = s } else {
            caches.append([[UInt64]](repeating: [], count: JemallocSizeClasses.index(options.tcacheMax)! + 1))
            c = caches.count - 1
            cacheSlot[t] = c
        }
        lastThread = t; lastSlot = c
        return c
    }

    static func cacheSlots(_ bin: Int) -> Int {
        bin < JemallocSizeClasses.smallCount ? min(200, max(20, 2 * JemallocSizeClasses.regions[bin])) : 20
    }

    // MARK: the malloc family

    public mutating func malloc(_ size: UInt64, thread: UInt32) -> UInt64 {
        guard let bin = JemallocSizeClasses.index(size) else { lastPath = .none; lastChunkSize = 0; return 0 }
        let usize = JemallocSizeClasses.classes[bin]
        let a = arena(for: thread)
        var p: UInt64 = 0
        if usize <= options.tcacheMax {
            let c = slot(thread)
            if let q = caches[c][bin].popLast() {
                p = q; lastPath = .threadCache
            } else if bin < JemallocSizeClasses.smallCount {
                // tcache_alloc_small_hard: fill half the bin from slabs, lowest regions first.
                let fill = max(1, JemallocModel.cacheSlots(bin) / 2)
                var got: [UInt64] = []
                for _ in 0..<fill { let r = slabAlloc(a, bin); if r == 0 { break }; got.append(r) }
                if let first = got.first { p = first; caches[c][bin].append(contentsOf: got.dropFirst().reversed()) }
                lastPath = .slab
            } else {
                p = largeAlloc(a, usize)
            }
        } else if bin < JemallocSizeClasses.smallCount {
            p = slabAlloc(a, bin); lastPath = .slab
        } else {
            p = largeAlloc(usize >= options.oversizeThreshold ? hugeArena : a, usize)
        }
        guard p != 0 else { lastChunkSize = 0; return 0 }
        allocatedBytes += usize
        lastChunkSize = usize
        decayIfDue()
        return p
    }

    public mutating func calloc(_ count: UInt64, _ size: UInt64, thread: UInt32) -> UInt64 {
        let (n, o) = count.multipliedReportingOverflow(by: size)
        guard !o else { return 0 }
        let p = malloc(n, thread: thread)
        // Extents fresh from the kernel (new or purged) are already zero.
        if p != 0 && lastPath != .extentNew { effects.touch(p, n) }
        return p
    }

    /// The size class of a live block.
    func usize(_ p: UInt64) -> UInt64? {
        if let id = slabByPage[p >> 12] { return JemallocSizeClasses.classes[slabs[id].bin] }
        return large[p]?.size
    }

    public mutating func free(_ p: UInt64, thread: UInt32) {
        guard p != 0, let us = usize(p) else { lastPath = .none; lastChunkSize = 0; return }
        allocatedBytes -= us
        lastChunkSize = us
        let bin = JemallocSizeClasses.index(us)!
        if us <= options.tcacheMax {
            let c = slot(thread)
            let cap = JemallocModel.cacheSlots(bin)
            if caches[c][bin].count >= cap {
                // tcache_bin_flush: the oldest half goes back.
                let flush = Array(caches[c][bin].prefix(cap / 2))
                caches[c][bin].removeFirst(cap / 2)
                for q in flush { release(q) }
            }
            caches[c][bin].append(p)
            lastPath = .freeToThreadCache
        } else {
            release(p)
        }
        decayIfDue()
    }

    /// Returns a block to its slab or its extent to the arena's dirty cache.
    mutating func release(_ p: UInt64) {
        if let id = slabByPage[p >> 12] {
            slabFree(id, p); lastPath = .freeToSlab
        } else if let l = large.removeValue(forKey: p) {
            extentFree(l.arena, p, l.size); lastPath = .freeToExtent
        }
    }

    public mutating func realloc(_ p: UInt64, _ size: UInt64, thread: UInt32) -> UInt64 {
        if p == 0 { return malloc(size, thread: thread) }
        if size == 0 { free(p, thread: thread); return 0 }
        guard let old = usize(p), let bin = JemallocSizeClasses.index(size) else { return malloc(size, thread: thread) }
        if JemallocSizeClasses.classes[bin] == old { lastPath = .reallocInPlace; lastChunkSize = old; return p }
        let n = malloc(size, thread: thread)
        let path = lastPath, c = lastChunkSize
        if n != 0 { effects.touch(n, min(old, size)); free(p, thread: thread) }
        lastPath = path == .none ? .none : .reallocCopy; lastChunkSize = c
        return n
    }

    /// `sz_sa2u`: the least class that is a multiple of the alignment; beyond a page, an extent
    /// with room for the alignment whose lead and tail go back to the dirty cache.
    public mutating func memalign(_ alignment: UInt64, _ size: UInt64, thread: UInt32) -> UInt64 {
        if alignment <= 16 { return malloc(size, thread: thread) }
        if alignment <= 4096 {
            var s = max(size, alignment)
            while let i = JemallocSizeClasses.index(s), JemallocSizeClasses.classes[i] % alignment != 0 { s = JemallocSizeClasses.classes[i] + 1 }
            return malloc(s, thread: thread)
        }
        let a = arena(for: thread)
        guard let bin = JemallocSizeClasses.index(max(size, JemallocSizeClasses.smallMax + 1)) else { return 0 }
        let usize = JemallocSizeClasses.classes[bin]
        let (start, path) = extentAlloc(a, usize + alignment)
        guard start != 0 else { return 0 }
        let q = (start + alignment - 1) & ~(alignment - 1)
        if q > start { extentFree(a, start, q - start) }
        let tail = start + usize + alignment - (q + usize)
        if tail > 0 { extentFree(a, q + usize, tail) }
        large[q] = (usize, a)
        allocatedBytes += usize
        lastChunkSize = usize; lastPath = path
        return q
    }

    public func usableSize(_ p: UInt64) -> UInt64 { usize(p) ?? 0 }

    public mutating func advanceClock(to nanoseconds: UInt64) { now = max(now, nanoseconds) }

    /// `tcache_destroy`: a thread's cached blocks go back to their slabs and extents.
    public mutating func threadEnded(_ thread: UInt32) {
        if let c = cacheSlot.removeValue(forKey: thread) {
            let bins = caches[c]
            caches[c] = []
            for b in bins { for q in b { release(q) } }
            if lastThread == thread { lastThread = .max }
        }
        threadArena[thread] = nil
        lastPath = .none; lastChunkSize = 0
    }
}
