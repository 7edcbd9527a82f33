import MemTrace

/// The addresses a redis-server linked with jemalloc 5.3 gets for its allocations, computed as
/// the synthesizer writes them (so the trace carries malloc results and jemalloc's own mmaps and
/// purges, like a recording of the real server).
///
/// Follows jemalloc's layout rules (sc.c, arena.c, extent.c, pages.c): size classes for an 8- or
/// 16-byte quantum (`RedisSizeClasses`); small classes from slabs of `slab_size` pages, a freed
/// region reused last in, first out (the thread cache's stack, `tcache_alloc_small`); large classes
/// as page extents, reused when one of the same size is free, with one extra page and a random
/// cache-line offset when cache-oblivious (`sz_large_pad`, `arena_cache_oblivious_randomize`);
/// virtual memory grown by mmaps of geometrically growing size from 2 MiB (`exp_grow`,
/// `MAP_NORESERVE` when the kernel overcommits, `os_overcommits_proc`) and never unmapped
/// (`opt_retain`); a large extent freed and not reused within `dirtyDecayMs` purged with
/// `MADV_DONTNEED` (muzzy decay 0, as Debian's build and Redis's default leave it).
///
/// Simplified: one arena; a slab whose regions are all free stays with its class; the tail of a
/// growth mapping too small for an extent is left unused (virtual only); decay purges each extent
/// once it has been dirty for the whole decay time instead of along jemalloc's smoothstep curve.
public struct RedisHeap {
    public let classes: RedisSizeClasses
    public let cacheOblivious: Bool
    public let noReserve: Bool
    public let dirtyDecayNanoseconds: UInt64
    /// Free regions per small class (LIFO) and the current slab's next region and end.
    private var freeRegions: [[UInt64]]
    private var slabNext: [UInt64]
    private var slabEnd: [UInt64]
    /// Free large extents by page count (LIFO), and when each was freed (`UInt64.max`: purged).
    private var freeExtents: [UInt64: [UInt64]] = [:]
    private var dirtySince: [UInt64: UInt64] = [:]
    private var dirtyQueue: [(since: UInt64, base: UInt64)] = []
    private var dirtyHead = 0
    /// The growth mapping extents are carved from.
    private var chunkNext: UInt64 = 0
    private var chunkEnd: UInt64 = 0
    private var mmapCeiling: UInt64
    private var growIndex: Int
    private var offsetState: UInt64
    /// Calls jemalloc made to the kernel since the last `takeSyscalls`.
    public private(set) var syscalls: [MemoryCall] = []
    /// Redis's `used_memory`: the usable (class) sizes of the live allocations (`zmalloc_used_memory`).
    public private(set) var usedMemory: UInt64 = 0
    /// Bytes mapped by growth mappings.
    public private(set) var mappedBytes: UInt64 = 0
    public private(set) var mmapCount = 0
    public private(set) var madviseCount = 0

    public init(quantum: UInt64, cacheOblivious: Bool, noReserve: Bool, dirtyDecayMs: UInt64, seed: UInt64,
                mmapCeiling: UInt64 = 0x7e00_0000_0000) {
        classes = RedisSizeClasses(quantum: quantum)
        self.cacheOblivious = cacheOblivious
        self.noReserve = noReserve
        dirtyDecayNanoseconds = dirtyDecayMs * 1_000_000
        let n = classes.smallCount
        freeRegions = [[UInt64]](repeating: [], count: n)
        slabNext = [UInt64](repeating: 0, count: n)
        slabEnd = [UInt64](repeating: 0, count: n)
        self.mmapCeiling = mmapCeiling
        growIndex = classes.index(2 << 20)
        offsetState = seed ^ 0x6A09_E667_F3BC_C909
    }

    /// jemalloc's start-up probes (`pages_boot`, pages.c): `madvise_MADV_DONTNEED_zeroes_pages`
    /// maps a page (before `os_overcommits` set `MAP_NORESERVE`), writes it, `MADV_DONTNEED`s it and
    /// unmaps it; then a page mapped with the run's flags is tried with `MADV_FREE`
    /// (`pages_purge_lazy`) and unmapped, as a recording of redis-server shows (both at one
    /// address above the heap). Returns the probe page, which the caller writes between the two.
    public mutating func bootProbes() -> (page: UInt64, calls: [MemoryCall]) {
        let page = mmapCeiling
        let base = MapFlags.private.rawValue | MapFlags.anonymous.rawValue | MemoryCall.allocatorInternal
        let runFlags = base | (noReserve ? MapFlags.noReserve.rawValue : 0)
        madviseCount += 2
        mmapCount += 2
        return (page, [
            MemoryCall(op: .mmap, length: 4096, prot: [.read, .write], flags: base, result: Int64(page)),
            MemoryCall(op: .madvise, address: VirtualAddress(page), length: 4096, flags: Advice.dontNeed.rawValue | MemoryCall.allocatorInternal),
            MemoryCall(op: .munmap, address: VirtualAddress(page), length: 4096, flags: MemoryCall.allocatorInternal),
            MemoryCall(op: .mmap, length: 4096, prot: [.read, .write], flags: runFlags, result: Int64(page)),
            MemoryCall(op: .madvise, address: VirtualAddress(page), length: 4096, flags: Advice.free.rawValue | MemoryCall.allocatorInternal),
            MemoryCall(op: .munmap, address: VirtualAddress(page), length: 4096, flags: MemoryCall.allocatorInternal),
        ])
    }

    /// Takes the system calls made since the last call, in order.
    public mutating func takeSyscalls() -> [MemoryCall] {
        defer { syscalls.removeAll(keepingCapacity: true) }
        return syscalls
    }

    /// `malloc(size)`: the block's address. Sizes beyond the largest class are not supported
    /// (Redis never asks for them); the caller validates sizes.
    public mutating func malloc(_ size: UInt64) -> UInt64 {
        let bin = classes.index(size)
        let usize = classes.sizes[bin]
        usedMemory += usize
        if bin < classes.smallCount {
            if let p = freeRegions[bin].popLast() { return p }
            if slabNext[bin] + usize > slabEnd[bin] {
                let bytes = UInt64(classes.slabPages[bin]) * 4096
                let s = extent(pages: bytes / 4096)
                slabNext[bin] = s; slabEnd[bin] = s + bytes
            }
            let p = slabNext[bin]
            slabNext[bin] += usize
            return p
        }
        let pages = usize / 4096 + (cacheOblivious ? 1 : 0)
        let base = extent(pages: pages)
        guard cacheOblivious else { return base }
        // arena_cache_oblivious_randomize: a random cache line of the first page (LG_CACHELINE 6).
        offsetState = offsetState &* 6364136223846793005 &+ 1442695040888963407
        return base + ((offsetState >> 58) << 6)
    }

    /// `free(p)` of a block of `size` requested bytes.
    public mutating func free(_ p: UInt64, size: UInt64, now: UInt64) {
        let bin = classes.index(size)
        let usize = classes.sizes[bin]
        usedMemory -= usize
        if bin < classes.smallCount { freeRegions[bin].append(p); return }
        let base = p & ~4095
        let pages = usize / 4096 + (cacheOblivious ? 1 : 0)
        freeExtents[pages, default: []].append(base)
        dirtySince[base] = now
        dirtyQueue.append((now, base))
    }

    /// Usable size of a block of `size` requested bytes (`malloc_usable_size`).
    public func usable(_ size: UInt64) -> UInt64 { classes.sizes[classes.index(size)] }

    /// The background thread's decay: extents dirty for the whole decay time are purged.
    public mutating func decay(now: UInt64) {
        while dirtyHead < dirtyQueue.count, dirtyQueue[dirtyHead].since &+ dirtyDecayNanoseconds <= now {
            let (since, base) = dirtyQueue[dirtyHead]
            dirtyHead += 1
            guard dirtySince[base] == since, let pages = pagesOfFree(base) else { continue }
            dirtySince[base] = .max
            madviseCount += 1
            syscalls.append(MemoryCall(op: .madvise, address: VirtualAddress(base), length: pages * 4096,
                                       flags: Advice.dontNeed.rawValue | MemoryCall.allocatorInternal))
        }
        if dirtyHead > 4096 && dirtyHead * 2 > dirtyQueue.count { dirtyQueue.removeFirst(dirtyHead); dirtyHead = 0 }
    }

    private var extentPages: [UInt64: UInt64] = [:]

    private func pagesOfFree(_ base: UInt64) -> UInt64? { extentPages[base] }

    /// A page extent: a free one of the same size (reused; purged ones come back zeroed), else
    /// carved from the growth mapping, mapping the next growth size when it does not fit.
    private mutating func extent(pages: UInt64) -> UInt64 {
        if let b = freeExtents[pages]?.popLast() { dirtySince[b] = nil; return b }
        let bytes = pages * 4096
        if chunkNext + bytes > chunkEnd {
            var i = growIndex
            while classes.sizes[i] < bytes { i += 1 }
            let grow = classes.sizes[i]
            growIndex = min(i + 1, classes.sizes.count - 1)
            mmapCeiling -= grow
            mmapCeiling &= ~UInt64(0x1F_FFFF)
            var flags = MapFlags.private.rawValue | MapFlags.anonymous.rawValue | MemoryCall.allocatorInternal
            if noReserve { flags |= MapFlags.noReserve.rawValue }
            syscalls.append(MemoryCall(op: .mmap, length: grow, prot: [.read, .write], flags: flags, result: Int64(mmapCeiling)))
            mmapCount += 1
            mappedBytes += grow
            chunkNext = mmapCeiling; chunkEnd = mmapCeiling + grow
        }
        let b = chunkNext
        chunkNext += bytes
        extentPages[b] = pages
        return b
    }
}

/// jemalloc 5.3's size classes (sc.c) for 4 KiB pages, four classes per doubling, and a quantum
/// of 8 bytes (Redis's bundled build, `--with-lg-quantum=3`) or 16 (Debian's libjemalloc2, the
/// x86-64 default): with 16, a tiny class 8, then 16, 32, 48, 64, 80, …; with 8: 8, 16, 24, 32,
/// 40, 48, 56, 64, 80, …. Classes up to 14 KiB are small (slabs), larger ones page extents.
public struct RedisSizeClasses: Sendable {
    public let quantum: UInt64
    public let sizes: [UInt64]
    public let smallCount: Int
    public let slabPages: [Int]
    public static let smallMax: UInt64 = 14336
    /// The largest size a request may have (1 TiB).
    public static let largest: UInt64 = 1 << 40

    public init(quantum: UInt64) {
        self.quantum = quantum
        var s: [UInt64] = quantum == 16 ? [8] : []
        for k in 1...4 { s.append(quantum * UInt64(k)) }
        var base = quantum * 4
        while base <= RedisSizeClasses.largest / 2 {
            for k in 1...4 { s.append(base + UInt64(k) * base / 4) }
            base *= 2
        }
        sizes = s
        smallCount = s.firstIndex { $0 > RedisSizeClasses.smallMax }!
        slabPages = (0..<smallCount).map { i in
            var pages: UInt64 = 1
            while (pages * 4096) % s[i] != 0 { pages += 1 }
            return Int(pages)
        }
    }

    /// `sz_size2index`: the least class holding `size` bytes (size ≤ `largest`).
    @inline(__always) public func index(_ size: UInt64) -> Int {
        var lo = 0, hi = sizes.count
        let want = max(size, 1)
        while lo < hi { let m = (lo + hi) >> 1; if sizes[m] < want { lo = m + 1 } else { hi = m } }
        return lo
    }
}
