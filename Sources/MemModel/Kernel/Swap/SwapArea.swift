/// One swap area (`struct swap_info_struct`, mm/swapfile.c, Linux 6.1): its slots' use counts
/// (`swap_map`) and the allocator's cursor, for a rotational device as this project's hosts have
/// (no `cluster_info`: the sequential `scan_swap_map_slots` path).
///
/// A slot's count is the number of page-table entries (and shmem entries) naming it, with
/// SWAP_HAS_CACHE set while the page is also in the swap cache. Slot 0 holds the swap header and
/// is never used, so an area of N pages offers N − 1 (`nr_good_pages`, the Size of /proc/swaps).
public struct SwapArea: Hashable, Sendable {
    /// SWAP_HAS_CACHE: the slot's page is in the swap cache.
    public static let hasCache: UInt8 = 0x40
    /// SWAP_MAP_MAX: the most references one slot counts (beyond it the kernel chains
    /// continuation pages; the model refuses, as no trace shares a page 62 times).
    public static let countMax: UInt8 = 0x3e
    /// SWAPFILE_CLUSTER with CONFIG_THP_SWAP on x86_64 (HPAGE_PMD_NR).
    public static let clusterPages: UInt64 = 512

    /// The path /proc/swaps shows.
    public var name: String
    /// Usable slots (`si->pages`).
    public var pages: UInt64
    /// `si->prio`: higher is used first; equal priorities take turns.
    public var priority: Int
    /// `swap_map`: per slot, its reference count | SWAP_HAS_CACHE (index 0: the header).
    public private(set) var map: [UInt8]
    /// `inuse_pages`.
    public private(set) var inUse: UInt64 = 0
    /// `lowest_bit`, `highest_bit`: the free slots lie between (0 when full).
    public private(set) var lowestBit: UInt64
    public private(set) var highestBit: UInt64
    /// `cluster_next`, `cluster_nr`: where the next scan starts and slots left in the current run.
    public private(set) var clusterNext: UInt64 = 1
    public private(set) var clusterLeft: UInt64 = 0

    /// An area of `bytes` (rounded down to pages; the first page is the header).
    public init(name: String, bytes: UInt64, priority: Int) {
        let slots = max(bytes / 4096, 2)
        self.name = name; self.priority = priority
        pages = slots - 1
        map = [UInt8](repeating: 0, count: Int(slots))
        map[0] = 0x3f      // SWAP_MAP_BAD: the header
        lowestBit = 1; highestBit = slots - 1
    }

    public var freePages: UInt64 { pages - inUse }
    public var isFull: Bool { inUse == pages }

    /// The count of `offset` without the cache bit.
    public func count(_ offset: UInt64) -> UInt8 { map[Int(offset)] & ~SwapArea.hasCache }
    public func inCache(_ offset: UInt64) -> Bool { map[Int(offset)] & SwapArea.hasCache != 0 }

    /// `scan_swap_map_slots` for one slot with SWAP_HAS_CACHE (`folio_alloc_swap`): from
    /// `cluster_next`, after every SWAPFILE_CLUSTER allocations a fresh run starts at the first
    /// fully free cluster-sized range; else the next free slot, wrapping to `lowest_bit`. Nil when full.
    public mutating func allocate() -> UInt64? {
        guard !isFull else { return nil }
        var offset = clusterNext
        if clusterLeft == 0 {
            clusterLeft = SwapArea.clusterPages - 1
            if freePages >= SwapArea.clusterPages, let start = firstFreeRun() {
                offset = start
            }
        } else {
            clusterLeft -= 1
        }
        if offset > highestBit || offset < lowestBit { offset = lowestBit }
        if map[Int(offset)] != 0 {
            guard let o = nextFree(after: offset) else { return nil }
            offset = o
        }
        map[Int(offset)] = SwapArea.hasCache
        rangeAllocated(offset)
        clusterNext = offset + 1
        return offset
    }

    /// The first offset of SWAPFILE_CLUSTER free slots in a row between the bits, not aligned.
    func firstFreeRun() -> UInt64? {
        var run: UInt64 = 0
        var o = lowestBit
        while o <= highestBit {
            if map[Int(o)] == 0 { run += 1; if run == SwapArea.clusterPages { return o + 1 - run } } else { run = 0 }
            o += 1
        }
        return nil
    }

    /// The `scan:` loop: the next free slot after `offset` up to `highest_bit`, then from `lowest_bit`.
    func nextFree(after offset: UInt64) -> UInt64? {
        var o = offset + 1
        while o <= highestBit { if map[Int(o)] == 0 { return o }; o += 1 }
        o = lowestBit
        while o < offset { if map[Int(o)] == 0 { return o }; o += 1 }
        return nil
    }

    /// `swap_range_alloc`.
    mutating func rangeAllocated(_ offset: UInt64) {
        if offset == lowestBit { lowestBit += 1 }
        if offset == highestBit { highestBit -= 1 }
        inUse += 1
        if inUse == pages { lowestBit = UInt64(map.count); highestBit = 0 }
    }

    /// `swap_range_free`.
    mutating func rangeFreed(_ offset: UInt64) {
        if offset < lowestBit { lowestBit = offset }
        if offset > highestBit { highestBit = offset }
        inUse -= 1
    }

    /// `swap_duplicate`: one more reference (fork copies a swap PTE, a page unmapped to its slot).
    /// False when the slot is free or its count is at SWAP_MAP_MAX.
    public mutating func duplicate(_ offset: UInt64) -> Bool {
        let v = map[Int(offset)]
        guard v != 0, v & ~SwapArea.hasCache < SwapArea.countMax else { return false }
        map[Int(offset)] = v + 1
        return true
    }

    /// `swap_entry_free` / `__swap_entry_free_locked`: drops one reference (`cache` false) or the
    /// cache bit (`cache` true); the slot is free when nothing is left. Returns what is left.
    @discardableResult
    public mutating func put(_ offset: UInt64, cache: Bool) -> UInt8 {
        var v = map[Int(offset)]
        precondition(v != 0 && offset != 0, "swap slot \(offset) is free")
        if cache { v &= ~SwapArea.hasCache } else { v -= 1 }
        map[Int(offset)] = v
        if v == 0 { rangeFreed(offset) }
        return v
    }

    /// Marks `offset`'s page as in the swap cache again (`swapcache_prepare` on swap-in).
    public mutating func setCache(_ offset: UInt64) { map[Int(offset)] |= SwapArea.hasCache }

    /// The area's own invariants: in-use count, the free range bounds.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        let used = map.dropFirst().reduce(UInt64(0)) { $0 + ($1 != 0 ? 1 : 0) }
        if used != inUse { problems.append("swap area \(name): \(used) slots used, inuse_pages \(inUse)") }
        if inUse < pages {
            for o in 1..<UInt64(map.count) where map[Int(o)] == 0 && (o < lowestBit || o > highestBit) {
                problems.append("swap area \(name): free slot \(o) outside [\(lowestBit), \(highestBit)]"); break
            }
        }
        return problems
    }
}
