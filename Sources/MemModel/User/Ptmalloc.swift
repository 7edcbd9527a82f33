import MemTrace

/// A model of glibc 2.36's malloc (ptmalloc2, Debian 12) on x86-64, following malloc/malloc.c
/// and malloc/arena.c: 16-byte chunks with an 8-byte header, the per-thread tcache (64 bins × 7),
/// fastbins up to 128 bytes, the unsorted bin, 62 small and 63 large bins with consolidation, the
/// top chunk grown with brk by the 128 KiB top pad (mmap as MORECORE when brk is refused) and
/// trimmed past the trim threshold, mmapped chunks from the 128 KiB mmap threshold with its
/// dynamic adjustment, thread arenas on 64 MiB heaps grown with mprotect, calloc's zeroing, realloc
/// in place / by copy / by mremap, memalign. Every system call's answer comes from the kernel
/// (`AllocatorEffects.perform`) before the model relies on it; a refused call makes it fall back
/// or fail (NULL, ENOMEM) where glibc does.
///
/// Each rule names the glibc function it follows. Chunk headers live in `PtmallocHeap` shadows;
/// free-list links in a dictionary keyed by chunk address (bin heads are small sentinel numbers).
public struct Ptmalloc: HeapAllocator {
    // malloc.c constants for x86-64.
    static let sizeSz: UInt64 = 8
    static let alignMask: UInt64 = 15
    static let minSize: UInt64 = 32
    static let maxFast: UInt64 = 128                    // global_max_fast (DEFAULT_MXFAST)
    static let nFastbins = 10
    static let nBins = 128
    static let minLargeSize: UInt64 = 1024              // MIN_LARGE_SIZE
    static let tcacheBins = 64
    static let tcacheCount = 7                          // TCACHE_FILL_COUNT
    static let tcacheStructBytes: UInt64 = 640          // sizeof (tcache_perthread_struct)
    static let consolidationThreshold: UInt64 = 65536   // FASTBIN_CONSOLIDATION_THRESHOLD
    static let mmapThresholdMax: UInt64 = 32 << 20      // DEFAULT_MMAP_THRESHOLD_MAX
    static let heapMaxSize: UInt64 = 64 << 20           // HEAP_MAX_SIZE
    static let heapMinSize: UInt64 = 32 << 10           // HEAP_MIN_SIZE
    static let heapInfoBytes: UInt64 = 48               // sizeof (heap_info)
    static let mallocStateBytes: UInt64 = 2200          // sizeof (struct malloc_state)
    static let pageSize: UInt64 = 4096
    static let prevInuse: UInt64 = 1

    /// The tunables ptmalloc reads (mallopt / GLIBC_TUNABLES); defaults are glibc's.
    public struct Tunables: Hashable, Sendable {
        public var topPad: UInt64 = 128 << 10
        public var mmapThreshold: UInt64 = 128 << 10
        public var trimThreshold: UInt64 = 128 << 10
        public var mmapMax: UInt64 = 65536
        /// Cores of the machine: thread arenas are limited to 8 per core (NARENAS_FROM_NCORES).
        public var cores: Int = 2
        public var arenaMax: Int = 0
        public init() {}
    }

    struct Arena {
        var top: UInt64 = 0
        var fast = [[UInt64]](repeating: [], count: Ptmalloc.nFastbins)
        var haveFastChunks = false
        var lastRemainder: UInt64 = 0
        var binmap: (UInt64, UInt64) = (0, 0)
        var systemMem: UInt64 = 0
        var maxSystemMem: UInt64 = 0
        /// Index of the heap the top chunk is in (thread arenas), −1 for the main arena.
        var heap: Int = -1
        var attachedThreads = 0
    }

    struct ThreadState {
        var arena: Int
        var tcache: Int
    }

    struct TCache {
        var entries = [UInt64](repeating: 0, count: Ptmalloc.tcacheBins * Ptmalloc.tcacheCount)
        var counts = [Int](repeating: 0, count: Ptmalloc.tcacheBins)
        /// The user pointer of the tcache_perthread_struct itself.
        var block: UInt64 = 0
    }

    struct Link { var fd: UInt64; var bk: UInt64 }

    public let name = "ptmalloc"
    public var tunables: Tunables
    var mmapThreshold: UInt64
    var trimThreshold: UInt64
    var mainHeap: PtmallocHeap
    var heaps: [PtmallocHeap] = []
    var heapByBase: [UInt64: Int] = [:]
    var arenas: [Arena] = [Arena()]
    var freeArenas: [Int] = []
    var nextReusedArena = 0
    var links = AddressMap<Link>(capacity: 1024)
    var tcaches: [TCache] = []
    var threads: [UInt32: ThreadState] = [:]
    var cachedThread: UInt32 = .max
    var cachedState = ThreadState(arena: 0, tcache: -1)
    var mainThread: UInt32?
    /// mmapped chunks: chunk address → (size, prev_size offset to the mapping's start).
    var mmapped = AddressMap<(size: UInt64, offset: UInt64)>()
    var mmappedBytes: UInt64 = 0
    /// The program break as the kernel last returned it (glibc's `__curbrk`); 0 until the first
    /// sbrk (whose brk(0) glibc's `__sbrk` makes once).
    var currentBreak: UInt64 = 0
    /// The break that first brk(0) read: where the brk heap starts.
    var initialBreak: UInt64 = 0
    /// `mp_.sbrk_base`: the start of the main arena's first memory (brk heap or mmapped segment).
    var sbrkBase: UInt64 = 0
    /// False once brk failed and the main arena took memory from mmap (`set_noncontiguous`).
    var contiguous = true
    /// The main arena's memory mmapped when brk failed (`MMAP_AS_MORECORE_SIZE` or more each),
    /// sorted by base: each is tiled by chunks like the brk heap.
    var segments: [PtmallocHeap] = []
    var segmentBytes: UInt64 = 0
    /// `aligned_heap_area` (arena.c): where the next thread-arena heap is tried first, after a
    /// 2 × HEAP_MAX_SIZE reservation that happened to be aligned; 0 for none.
    var alignedHeapArea: UInt64 = 0
    var heapMappedBytes: UInt64 = 0

    public var effects: AllocatorEffects
    public private(set) var lastChunkSize: UInt64 = 0
    public internal(set) var lastPath: AllocPath = .none
    public private(set) var allocatedBytes: UInt64 = 0
    public internal(set) var searchSteps: UInt64 = 0

    public init(layout: HeapLayout = HeapLayout(), tunables: Tunables = Tunables()) {
        self.tunables = tunables
        mmapThreshold = tunables.mmapThreshold; trimThreshold = tunables.trimThreshold
        mainHeap = PtmallocHeap(base: 0)
        effects = AllocatorEffects(standIn: StandInKernel(layout: layout))
        initBins(0)
        arenas[0].attachedThreads = 1
    }

    public var breakBytes: UInt64 { currentBreak &- initialBreak }
    public var heapBytes: UInt64 { breakBytes + segmentBytes + mmappedBytes + heapMappedBytes }
    /// The current mmap threshold (raised by frees of mmapped chunks).
    public var currentMmapThreshold: UInt64 { mmapThreshold }

    // MARK: sizes

    /// `checked_request2size`: the chunk size for a request.
    @inline(__always) static func request2size(_ req: UInt64) -> UInt64 {
        req + sizeSz + alignMask < minSize ? minSize : (req + sizeSz + alignMask) & ~alignMask
    }
    @inline(__always) static func tidx(_ chunk: UInt64) -> Int { Int((chunk - minSize + alignMask) / 16) }
    @inline(__always) static func fastbinIndex(_ sz: UInt64) -> Int { Int(sz >> 4) - 2 }
    @inline(__always) static func inSmallbinRange(_ sz: UInt64) -> Bool { sz < minLargeSize }
    @inline(__always) static func smallbinIndex(_ sz: UInt64) -> Int { Int(sz >> 4) }
    /// `largebin_index_64`.
    static func largebinIndex(_ sz: UInt64) -> Int {
        if sz >> 6 <= 48 { return 48 + Int(sz >> 6) }
        if sz >> 9 <= 20 { return 91 + Int(sz >> 9) }
        if sz >> 12 <= 10 { return 110 + Int(sz >> 12) }
        if sz >> 15 <= 4 { return 119 + Int(sz >> 15) }
        if sz >> 18 <= 2 { return 124 + Int(sz >> 18) }
        return 126
    }
    @inline(__always) static func binIndex(_ sz: UInt64) -> Int { inSmallbinRange(sz) ? smallbinIndex(sz) : largebinIndex(sz) }

    // MARK: threads, arenas, tcache

    /// The thread's arena and tcache; a new thread gets an arena by `arena_get2` and a tcache by
    /// `tcache_init` (a 640-byte block from its arena).
    mutating func thread(_ t: UInt32) -> ThreadState {
        if t == cachedThread { return cachedState }
        if let s = threads[t] { cachedThread = t; cachedState = s; return s }
        if mainThread == nil { mainThread = t }
        let arena = t == mainThread ? 0 : arenaGet2()
        var s = ThreadState(arena: arena, tcache: -1)
        threads[t] = s
        cachedThread = t; cachedState = s
        // tcache_init: _int_malloc (ar_ptr, sizeof (tcache_perthread_struct)).
        let block = intMalloc(arena, Ptmalloc.tcacheStructBytes)
        if block != 0 {
            var tc = TCache(); tc.block = block
            tcaches.append(tc)
            s.tcache = tcaches.count - 1
            effects.touch(block, Ptmalloc.tcacheStructBytes)
        }
        threads[t] = s
        cachedState = s
        return s
    }

    /// `arena_get2`: a free arena if any, a new one while below 8 × cores, else `reused_arena`.
    mutating func arenaGet2() -> Int {
        if let a = freeArenas.popLast() { arenas[a].attachedThreads += 1; return a }
        let limit = tunables.arenaMax > 0 ? tunables.arenaMax : 8 * max(1, tunables.cores)
        if arenas.count < limit, let a = newArena() { return a }
        let a = nextReusedArena % arenas.count
        nextReusedArena = a + 1
        arenas[a].attachedThreads += 1
        return a
    }

    @inline(__always) static func sentinel(_ arena: Int, _ bin: Int) -> UInt64 { UInt64(arena * 128 + bin) }

    mutating func initBins(_ a: Int) {
        for i in 1..<Ptmalloc.nBins {
            let s = Ptmalloc.sentinel(a, i)
            links[s] = Link(fd: s, bk: s)
        }
    }

    // MARK: the public entry points

    /// `__libc_malloc`: tcache first, then `_int_malloc` of the thread's arena.
    public mutating func malloc(_ size: UInt64, thread t: UInt32) -> UInt64 {
        let st = thread(t)
        let nb = Ptmalloc.request2size(size)
        let tc = Ptmalloc.tidx(nb)
        if tc < Ptmalloc.tcacheBins && st.tcache >= 0 && tcaches[st.tcache].counts[tc] > 0 {
            let p = tcacheGet(st.tcache, tc)
            return handOut(p, .tcache)
        }
        let p = intMalloc(st.arena, size)
        return handOut(p, lastPath)
    }

    @inline(__always) mutating func handOut(_ mem: UInt64, _ path: AllocPath) -> UInt64 {
        guard mem != 0 else { lastChunkSize = 0; lastPath = .none; return 0 }
        let c = mem &- 16 &- mainHeap.base < mainHeap.limit ? chunkSize(mem - 16) : mmapped[mem - 16]?.size ?? chunkSize(mem - 16)
        allocatedBytes += c
        lastChunkSize = c; lastPath = path
        effects.touch(mem - 8)
        return mem
    }

    @inline(__always) mutating func tcacheGet(_ tc: Int, _ idx: Int) -> UInt64 {
        tcaches[tc].counts[idx] -= 1
        return tcaches[tc].entries[idx * Ptmalloc.tcacheCount + tcaches[tc].counts[idx]]
    }

    @inline(__always) mutating func tcachePut(_ tc: Int, _ idx: Int, _ mem: UInt64) {
        tcaches[tc].entries[idx * Ptmalloc.tcacheCount + tcaches[tc].counts[idx]] = mem
        tcaches[tc].counts[idx] += 1
    }

    /// `__libc_free`: mmapped chunks are unmapped (raising the mmap threshold to their size, up
    /// to 32 MiB, and the trim threshold to twice that); others go to `_int_free`.
    public mutating func free(_ mem: UInt64, thread t: UInt32) {
        guard mem != 0 else { lastPath = .none; lastChunkSize = 0; return }
        let p = mem - 16
        if p &- mainHeap.base >= mainHeap.limit, let m = mmapped[p] {
            allocatedBytes -= m.size
            lastChunkSize = m.size
            if m.size > mmapThreshold && m.size <= Ptmalloc.mmapThresholdMax {
                mmapThreshold = m.size
                trimThreshold = 2 * m.size
            }
            munmapChunk(p)
            lastPath = .munmap
            return
        }
        guard isKnownChunk(p) else { lastPath = .none; lastChunkSize = 0; return }
        let st = thread(t)
        let size = chunkSize(p)
        allocatedBytes -= size
        lastChunkSize = size
        intFree(arenaFor(p), p, tcache: st.tcache)
    }

    /// `__libc_calloc`: `_int_malloc` (never the tcache), then zeroes the chunk except the part
    /// fresh from the kernel (MORECORE_CLEARS: beyond the most memory the arena ever had).
    public mutating func calloc(_ count: UInt64, _ size: UInt64, thread t: UInt32) -> UInt64 {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else { lastPath = .none; lastChunkSize = 0; return 0 }
        let st = thread(t)
        let av = st.arena
        let oldTop = arenas[av].top
        var oldTopSize = chunkSize(oldTop)
        if av == 0 {
            // sbrk_base + max_system_mem − oldtop, a pointer difference compared (and stored) as
            // size_t: negative when the top lies in a segment mapped above, and then huge.
            let fresh = sbrkBase + arenas[0].maxSystemMem
            if oldTop != 0 && oldTopSize < fresh &- oldTop { oldTopSize = fresh &- oldTop }
        } else if let h = heapByBase[oldTop & ~(Ptmalloc.heapMaxSize - 1)] {
            let end = heaps[h].base + heaps[h].mprotectSize
            if oldTopSize < end - oldTop { oldTopSize = end - oldTop }
        }
        let mem = intMalloc(av, bytes)
        let path = lastPath
        guard mem != 0 else { return handOut(0, .none) }
        let p = mem - 16
        if mmapped[p] == nil {
            var csz = chunkSize(p)
            if p == oldTop && csz > oldTopSize { csz = oldTopSize }
            effects.touch(mem, csz - Ptmalloc.sizeSz)
        }
        return handOut(mem, path)
    }

    /// `__libc_realloc`: NULL mallocs, size 0 frees, mmapped chunks are remapped (`mremap_chunk`),
    /// others go to `_int_realloc` (grow into top or a free neighbour, else copy).
    public mutating func realloc(_ mem: UInt64, _ size: UInt64, thread t: UInt32) -> UInt64 {
        if mem == 0 { return malloc(size, thread: t) }
        if size == 0 { free(mem, thread: t); return 0 }
        let p = mem - 16
        let nb = Ptmalloc.request2size(size)
        if let m = mmapped[p] {
            allocatedBytes -= m.size
            if let np = mremapChunk(p, nb) { return handOut(np + 16, .mremap) }
            if m.size - Ptmalloc.sizeSz >= nb { allocatedBytes += m.size; lastChunkSize = m.size; lastPath = .reallocInPlace; return mem }
            allocatedBytes += m.size
            let n = malloc(size, thread: t)
            guard n != 0 else { return 0 }
            let path = lastPath, c = lastChunkSize
            effects.touch(n, m.size - 16)
            allocatedBytes -= m.size
            munmapChunk(p)
            lastPath = path == .tcache ? .reallocCopy : path; lastChunkSize = c
            return n
        }
        guard isKnownChunk(p) else { return malloc(size, thread: t) }
        let st = thread(t)
        let old = chunkSize(p)
        allocatedBytes -= old
        let n = intRealloc(arenaFor(p), p, old, nb, tcache: st.tcache)
        if n == 0 { allocatedBytes += old }
        return handOut(n, lastPath)
    }

    /// `_mid_memalign`: small alignments are plain mallocs; others round up to a power of two
    /// of at least MINSIZE and go to `_int_memalign`.
    public mutating func memalign(_ alignment: UInt64, _ size: UInt64, thread t: UInt32) -> UInt64 {
        if alignment <= 16 { return malloc(size, thread: t) }
        var a = max(alignment, Ptmalloc.minSize)
        if a & (a - 1) != 0 { var x: UInt64 = 32; while x < a { x <<= 1 }; a = x }
        let st = thread(t)
        let mem = intMemalign(st.arena, a, size)
        return handOut(mem, lastPath)
    }

    public func usableSize(_ mem: UInt64) -> UInt64 {
        guard mem >= 16 else { return 0 }
        if let m = mmapped[mem - 16] { return m.size - 16 }
        return isKnownChunk(mem - 16) ? chunkSize(mem - 16) - Ptmalloc.sizeSz : 0
    }

    /// `tcache_thread_shutdown` and `__malloc_arena_thread_freeres`: the thread's cached chunks
    /// and its tcache block are freed, and its arena goes on the free list when no thread uses it.
    public mutating func threadEnded(_ t: UInt32) {
        guard let st = threads[t] else { return }
        if st.tcache >= 0 {
            let tc = tcaches[st.tcache]
            for idx in 0..<Ptmalloc.tcacheBins {
                for k in 0..<tc.counts[idx] {
                    // `__libc_free` of each: to the chunk's own arena (another thread's block may be cached here).
                    let p = tc.entries[idx * Ptmalloc.tcacheCount + k] - 16
                    intFree(arenaFor(p), p, tcache: -1)
                }
            }
            tcaches[st.tcache].counts = [Int](repeating: 0, count: Ptmalloc.tcacheBins)
            if tc.block != 0 { intFree(arenaFor(tc.block - 16), tc.block - 16, tcache: -1) }
        }
        threads[t] = nil
        if cachedThread == t { cachedThread = .max }
        arenas[st.arena].attachedThreads -= 1
        if st.arena != 0 && arenas[st.arena].attachedThreads == 0 { freeArenas.append(st.arena) }
        lastPath = .none; lastChunkSize = 0
    }
}
