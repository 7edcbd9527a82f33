import MemTrace

/// The swap subsystem: the swap areas in swapon order, the swap cache (which frames hold which
/// slot's page), the shadow entries evicted swap-cache pages leave, and swap-in readahead's
/// memory (mm/swapfile.c, mm/swap_state.c, Linux 6.1).
///
/// It owns slots and the cache's bookkeeping only; frames, page tables and LRU lists stay with
/// their own layers, and the kernel moves pages between them (`LinuxKernel+Swap`).
public struct SwapSpace: Hashable, Sendable {
    public private(set) var areas: [SwapArea]
    /// The swap cache (`swapper_spaces`) indexed by slot: per area, the frame holding each cached
    /// slot's page plus one (0: not cached), as the kernel's xarray is indexed by `swp_offset`.
    @usableFromInline var slotFrames: [[UInt32]]
    /// Pages in the swap cache.
    public private(set) var cachedCount = 0
    /// `folio->swap` of each frame in the swap cache.
    /// Kept by frame number in a `RadixArray`, as the kernel keeps it in the folio itself: no hashing.
    @usableFromInline var frameSlots = RadixArray<SwapEntry>()

    /// `folio->swap` of `frame`; nil when it is not in the swap cache.
    @inlinable public func entry(of frame: PageFrameNumber) -> SwapEntry? { frameSlots[frame.rawValue] }

    /// The frames in the swap cache, ascending.
    public var cachedFrames: [PageFrameNumber] { frameSlots.keys.map { PageFrameNumber($0) } }

    /// The frames in the swap cache for which `test` holds, counted without listing them.
    public func countCachedFrames(where test: (PageFrameNumber) -> Bool) -> UInt64 {
        var n: UInt64 = 0
        frameSlots.forEach { f, _ in if test(PageFrameNumber(f)) { n += 1 } }
        return n
    }

    /// `folio->swap` of every frame in the swap cache (for checks and tests).
    public var entryOf: [PageFrameNumber: SwapEntry] {
        var out: [PageFrameNumber: SwapEntry] = [:]
        frameSlots.forEach { out[PageFrameNumber($0)] = $1 }
        return out
    }
    /// Shadow entries of swap-cache pages reclaim freed (`workingset_eviction` into the swap
    /// address space), per area and slot, packed as `pack_shadow` does (0: none).
    var slotShadows: [[UInt64]]
    /// Slots holding a shadow entry.
    public private(set) var shadowCount = 0
    /// Frames read ahead and not yet found by a fault (PG_readahead).
    /// By frame number (the kernel's PG_readahead is a folio flag: no hashing here either).
    var readaheadFrames = RadixArray<Bool>()
    /// The frames read ahead and not yet found (for checks and tests).
    public var readahead: Set<PageFrameNumber> { Set(readaheadFrames.keys.map { PageFrameNumber($0) }) }
    /// `swapin_readahead_hits`, `prev_offset`, `last_readahead_pages` (`swapin_nr_pages`).
    var readaheadHits = 0
    var previousOffset: UInt64 = 0
    var lastReadaheadPages = 0
    /// The memory cgroup each charged slot belongs to (`swap_cgroup` records), and the slots
    /// charged per cgroup (the group itself, not its descendants): `memory.swap.current` sums
    /// them over a subtree. A slot is uncharged when it is freed.
    /// Per area and slot, the charged cgroup plus one (0: uncharged): the `swap_cgroup` array
    /// (mm/swap_cgroup.c), indexed by `swp_offset` as the kernel's is.
    var slotOwners: [[Int32]]
    /// Slots charged to some cgroup.
    public private(set) var ownedSlots = 0
    public private(set) var chargedSlots: [Int: UInt64] = [:]
    /// The order areas of equal priority take turns in (`plist_requeue` of `swap_avail_heads`).
    var rotation: [Int]
    public var stats = SwapStatistics()

    public init(areas: [SwapArea]) {
        self.areas = areas
        rotation = Array(areas.indices)
        slotFrames = areas.map { [UInt32](repeating: 0, count: $0.map.count) }
        slotShadows = areas.map { [UInt64](repeating: 0, count: $0.map.count) }
        slotOwners = areas.map { [Int32](repeating: 0, count: $0.map.count) }
    }

    /// The cgroup each charged slot belongs to (for checks and tests).
    public var owners: [SwapEntry: Int] {
        var out: [SwapEntry: Int] = [:]
        for a in slotOwners.indices {
            for (o, g) in slotOwners[a].enumerated() where g != 0 { out[SwapEntry(area: a, offset: UInt64(o))] = Int(g) - 1 }
        }
        return out
    }

    /// The shadow entries by slot (for checks and tests).
    public var shadows: [SwapEntry: ShadowEntry] {
        var out: [SwapEntry: ShadowEntry] = [:]
        for a in slotShadows.indices {
            for (o, v) in slotShadows[a].enumerated() where v != 0 { out[SwapEntry(area: a, offset: UInt64(o))] = SwapSpace.unpack(v) }
        }
        return out
    }

    /// `pack_shadow`: a present bit, the lruvec (15 bits), PG_workingset and the eviction age
    /// (47 bits; a lruvec's nonresident age never gets near 2^47 pages).
    static func pack(_ s: ShadowEntry) -> UInt64 {
        precondition(s.lruvec < 1 << 15 && s.eviction < 1 << 47, "shadow entry out of range: \(s)")
        return 1 << 63 | UInt64(s.lruvec) << 48 | (s.workingset ? 1 << 47 : 0) | s.eviction
    }

    /// `unpack_shadow`.
    static func unpack(_ v: UInt64) -> ShadowEntry {
        ShadowEntry(lruvec: Int(v >> 48 & 0x7FFF), eviction: v & (1 << 47 - 1), workingset: v & 1 << 47 != 0)
    }

    /// Sets or clears slot `e`'s shadow entry.
    mutating func setShadow(_ e: SwapEntry, _ shadow: ShadowEntry?) {
        let old = slotShadows[e.area][Int(e.offset)]
        let new = shadow.map(SwapSpace.pack) ?? 0
        guard old != new else { return }
        slotShadows[e.area][Int(e.offset)] = new
        shadowCount += (new != 0 ? 1 : 0) - (old != 0 ? 1 : 0)
    }

    /// The swap cache as a dictionary, slot → frame (for checks and tests; the model looks slots
    /// up with `cachedFrame`).
    public var cache: [SwapEntry: PageFrameNumber] {
        var out: [SwapEntry: PageFrameNumber] = [:]
        for a in slotFrames.indices {
            for (o, f) in slotFrames[a].enumerated() where f != 0 { out[SwapEntry(area: a, offset: UInt64(o))] = PageFrameNumber(UInt64(f - 1)) }
        }
        return out
    }

    /// The frame holding slot `e`'s page in the swap cache (`swap_cache_get_folio`), if any.
    @inlinable public func cachedFrame(_ e: SwapEntry) -> PageFrameNumber? {
        let f = slotFrames[e.area][Int(e.offset)]
        return f == 0 ? nil : PageFrameNumber(UInt64(f - 1))
    }

    /// `total_swap_pages`.
    public var totalPages: UInt64 { areas.reduce(0) { $0 + $1.pages } }
    /// `nr_swap_pages` (`get_nr_swap_pages`): slots free in every area.
    public var freePages: UInt64 { areas.reduce(0) { $0 + $1.freePages } }
    /// Pages in the swap cache (NR_SWAPCACHE, SwapCached).
    public var cachedPages: UInt64 { UInt64(cachedCount) }
    /// `vm_swap_full`: more than half the swap space in use.
    public var isHalfFull: Bool { freePages * 2 < totalPages }

    /// `folio_alloc_swap` / `get_swap_pages` for one page: the highest-priority area with a free
    /// slot, areas of equal priority in turn; the slot's count starts at SWAP_HAS_CACHE. Nil when
    /// every area is full.
    public mutating func allocate() -> SwapEntry? {
        if areas.count == 1 {
            guard let offset = areas[0].allocate() else { return nil }
            return SwapEntry(area: 0, offset: offset)
        }
        let order = rotation.sorted { areas[$0].priority > areas[$1].priority }
        for a in order where !areas[a].isFull {
            guard let offset = areas[a].allocate() else { continue }
            // plist_requeue: this area goes behind the others of its priority.
            rotation.removeAll { $0 == a }
            rotation.append(a)
            return SwapEntry(area: a, offset: offset)
        }
        return nil
    }

    /// Records `e` as charged to cgroup `group` (`mem_cgroup_try_charge_swap` succeeded).
    public mutating func charge(_ e: SwapEntry, to group: Int) {
        if slotOwners[e.area][Int(e.offset)] == 0 { ownedSlots += 1 }
        slotOwners[e.area][Int(e.offset)] = Int32(group) + 1
        chargedSlots[group, default: 0] += 1
    }

    /// A slot became free: its cgroup's charge goes (`mem_cgroup_uncharge_swap`).
    mutating func slotFreed(_ e: SwapEntry) {
        if shadowCount > 0 { setShadow(e, nil) }
        guard ownedSlots > 0, slotOwners[e.area][Int(e.offset)] != 0 else { return }
        uncharge(e)
    }

    /// Drops the charge of slot `e`, which has one.
    private mutating func uncharge(_ e: SwapEntry) {
        let g = Int(slotOwners[e.area][Int(e.offset)]) - 1
        slotOwners[e.area][Int(e.offset)] = 0
        ownedSlots -= 1
        chargedSlots[g]! -= 1
        if chargedSlots[g] == 0 { chargedSlots[g] = nil }
    }

    /// Gives back a slot `allocate()` just handed out, never used (`put_swap_folio` after a
    /// failed swap charge).
    public mutating func release(_ e: SwapEntry) {
        if areas[e.area].put(e.offset, cache: true) == 0 { slotFreed(e) }
    }

    /// The reference count of `e`'s slot without the cache bit (`__swap_count`).
    public func count(_ e: SwapEntry) -> UInt8 { areas[e.area].count(e.offset) }

    /// `swap_duplicate`: a PTE more names `e`.
    @discardableResult public mutating func duplicate(_ e: SwapEntry) -> Bool { areas[e.area].duplicate(e.offset) }

    /// `swap_free`: a PTE naming `e` went away; true when the slot is free now.
    @discardableResult public mutating func free(_ e: SwapEntry) -> Bool {
        let left = areas[e.area].put(e.offset, cache: false)
        if left == 0 { slotFreed(e) }
        return left == 0
    }

    /// `add_to_swap_cache`: `frame` holds the page of slot `e` (SWAP_HAS_CACHE already set by
    /// the allocation or by `setCacheBit`).
    public mutating func addToCache(_ e: SwapEntry, _ frame: PageFrameNumber) {
        precondition(cachedFrame(e) == nil && frameSlots[frame.rawValue] == nil, "\(e) or frame \(frame) already in the swap cache")
        slotFrames[e.area][Int(e.offset)] = UInt32(frame.rawValue) + 1
        cachedCount += 1
        frameSlots[frame.rawValue] = e
        if shadowCount > 0 { setShadow(e, nil) }
    }

    /// `swapcache_prepare`: a slot read back (swap-in) is in the cache again.
    public mutating func setCacheBit(_ e: SwapEntry) { areas[e.area].setCache(e.offset) }

    /// `__delete_from_swap_cache` + `put_swap_folio`: `frame` leaves the swap cache, the slot
    /// loses its cache bit (freed when no PTE names it), leaving `shadow` when reclaim evicted it.
    /// Returns the slot.
    @discardableResult
    public mutating func removeFromCache(_ frame: PageFrameNumber, shadow: ShadowEntry? = nil) -> SwapEntry? {
        guard let e = frameSlots.removeValue(forKey: frame.rawValue) else { return nil }
        slotFrames[e.area][Int(e.offset)] = 0
        cachedCount -= 1
        if !readaheadFrames.isEmpty { readaheadFrames.removeValue(forKey: frame.rawValue) }
        let left = areas[e.area].put(e.offset, cache: true)
        if left == 0 { slotFreed(e) } else if let shadow { setShadow(e, shadow) }
        return e
    }

    /// Compaction moved pages (`folio_migrate_mapping` of a swap-cache folio): the cache names
    /// their new frames.
    public mutating func migrate(_ forward: [PageFrameNumber: PageFrameNumber]) {
        guard !frameSlots.isEmpty else { return }
        for (from, to) in forward {
            guard let e = frameSlots.removeValue(forKey: from.rawValue) else { continue }
            frameSlots[to.rawValue] = e
            slotFrames[e.area][Int(e.offset)] = UInt32(to.rawValue) + 1
            if readaheadFrames.removeValue(forKey: from.rawValue) != nil { readaheadFrames[to.rawValue] = true }
        }
    }

    /// The shadow entry of `e`, taken (`workingset_refault` consumes it).
    public mutating func takeShadow(_ e: SwapEntry) -> ShadowEntry? {
        let v = slotShadows[e.area][Int(e.offset)]
        guard v != 0 else { return nil }
        setShadow(e, nil)
        return SwapSpace.unpack(v)
    }

    /// Marks a frame read ahead (PG_readahead) or found by a fault: a hit counts toward the next
    /// window (`lookup_swap_cache`: swapin_readahead_hits, SWAP_RA_HIT).
    public mutating func markReadahead(_ frame: PageFrameNumber) { readaheadFrames[frame.rawValue] = true }
    /// `lookup_swap_cache`'s readahead hit: true when `frame` was read ahead and not used yet.
    public mutating func noteLookup(_ frame: PageFrameNumber) -> Bool {
        guard readaheadFrames.removeValue(forKey: frame.rawValue) != nil else { return false }
        readaheadHits += 1
        stats.swapRAHit += 1
        return true
    }

    /// `swapin_nr_pages` / `__swapin_nr_pages`: the readahead window for a fault at `offset`,
    /// from the hits since the last fault (hits + 2 rounded up to a power of two from 4, or 1
    /// when the last fault was not adjacent and nothing hit), at most 2^page_cluster, and not
    /// below half the previous window.
    public mutating func readaheadPages(offset: UInt64, pageCluster: Int) -> Int {
        let maxPages = 1 << max(0, min(pageCluster, 30))
        guard maxPages > 1 else { return 1 }
        let hits = readaheadHits
        readaheadHits = 0
        var pages = hits + 2
        if pages == 2 {
            if offset != previousOffset + 1 && offset != previousOffset &- 1 { pages = 1 }
        } else {
            var roundup = 4
            while roundup < pages { roundup <<= 1 }
            pages = roundup
        }
        pages = min(pages, maxPages)
        pages = max(pages, lastReadaheadPages / 2)
        if hits == 0 { previousOffset = offset }
        lastReadaheadPages = pages
        return pages
    }

    /// The subsystem's invariants: each area's own, the cache a bijection whose slots carry
    /// SWAP_HAS_CACHE, shadows only for slots still referenced, readahead frames in the cache.
    public func invariantViolations() -> [String] {
        var problems = areas.flatMap { $0.invariantViolations() }
        let cache = self.cache, entryOf = self.entryOf
        problems += frameSlots.invariantViolations().map { "swap cache frame index: \($0)" }
        if cache.count != cachedCount { problems.append("swap cache: \(cache.count) slots cached, \(cachedCount) counted") }
        for a in areas.indices where slotFrames[a].count != areas[a].map.count { problems.append("swap cache index of area \(a) has \(slotFrames[a].count) slots, the area \(areas[a].map.count)") }
        for (e, f) in cache {
            if entryOf[f] != e { problems.append("swap cache: \(e) → frame \(f), but the frame names \(entryOf[f].map { "\($0)" } ?? "none")") }
            if e.area >= areas.count || !areas[e.area].inCache(e.offset) { problems.append("swap cache: \(e) has no SWAP_HAS_CACHE") }
        }
        if entryOf.count != cache.count { problems.append("swap cache: \(cache.count) slots, \(entryOf.count) frames") }
        let shadows = self.shadows
        if shadows.count != shadowCount { problems.append("swap shadows: \(shadows.count) slots, \(shadowCount) counted") }
        for e in shadows.keys where e.area >= areas.count || areas[e.area].map[Int(e.offset)] == 0 {
            problems.append("swap shadow for free slot \(e)")
        }
        problems += readaheadFrames.invariantViolations().map { "swap readahead index: \($0)" }
        for f in readahead.sorted() where entryOf[f] == nil { problems.append("readahead frame \(f) not in the swap cache") }
        let owners = self.owners
        if owners.count != ownedSlots { problems.append("\(ownedSlots) slots counted charged, \(owners.count) hold a charge") }
        for e in owners.keys where e.area >= areas.count || areas[e.area].map[Int(e.offset)] == 0 { problems.append("swap charge for free slot \(e)") }
        var perGroup: [Int: UInt64] = [:]
        for g in owners.values { perGroup[g, default: 0] += 1 }
        if perGroup != chargedSlots { problems.append("swap charges per cgroup \(chargedSlots) do not match the slots' owners \(perGroup)") }
        for a in areas.indices {
            for o in 1..<UInt64(areas[a].map.count) where areas[a].inCache(o) && cache[SwapEntry(area: a, offset: o)] == nil {
                problems.append("swap \(a):\(o) has SWAP_HAS_CACHE but no cached page"); break
            }
        }
        return problems
    }
}
