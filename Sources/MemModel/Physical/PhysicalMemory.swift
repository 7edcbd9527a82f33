import MemTrace

/// The kernel's page-frame layer: NUMA nodes with zones, watermarks and lowmem reserves, the buddy
/// allocator with migrate types and pageblocks, per-CPU page lists, the zonelist walk, the
/// fragmentation indices and compaction (mm/page_alloc.c, mm/compaction.c, mm/vmstat.c).
///
/// Frames are indexed by pfn. Each frame has what it holds (`PageUse`) and its mapcount, as
/// `FrameTable` had, a THP head its entire mapcount, and a user or page-cache page its owner
/// (`FrameOwner`, the reverse-mapping facts reclaim needs); free frames are linked into the free
/// lists through `next`/`prev`, and `state` says whether a frame heads a free buddy block (its
/// order and list) or sits on a per-CPU list. The model values in, values out: compaction reports
/// the moves it made (`pendingMigrations`) and the kernel model repoints its page tables and page
/// cache; kswapd wake-ups (`pendingKswapdWakeups`) and a failed allocation (`lastFailure`) are
/// reported as values for the reclaim layer to act on.
public struct PhysicalMemory: FrameAllocator, Sendable {
    /// MAX_ORDER (6.1: orders 0…10).
    public static let orders = 11
    public static let maxOrder = 10
    /// pageblock_order and pageblock_nr_pages (on x86_64 the huge page's: `HPAGE_PMD_ORDER`, `HPAGE_PMD_NR`).
    @inlinable public static var pageblockOrder: Int { HugePage.order }
    @inlinable public static var pageblockPages: UInt64 { HugePage.pages }
    /// PAGE_ALLOC_COSTLY_ORDER.
    public static let costlyOrder = 3
    /// NR_PCP_LISTS: MIGRATE_PCPTYPES lists per order ≤ 3, plus one for pageblock-order (THP) pages.
    public static let pcpLists = MigrateType.pcpTypes * (costlyOrder + 1) + 1
    @usableFromInline static let none = UInt32.max
    @usableFromInline static let notFree: UInt8 = 0xFF
    @usableFromInline static let onPCP: UInt8 = 0x80
    /// `FrameStore.lruList` of a frame on no LRU.
    @usableFromInline static let offLRU: UInt8 = 0xFF

    public let configuration: PhysicalConfiguration
    public let rules: any KernelVersionRules
    public internal(set) var zoneInfo: [Zone] = []
    /// Zone indices per node, in ZoneType order.
    public internal(set) var nodeZones: [[Int]] = []
    /// The fallback zonelist of each node: its zones highest first, then other nodes' by distance.
    public internal(set) var zonelists: [[Int]] = []
    /// vm.min_free_kbytes in effect, and what the kernel's rules computed.
    public internal(set) var minFreeKbytes: UInt64 = 0
    public internal(set) var computedMinFreeKbytes: UInt64 = 0
    public internal(set) var totalReservePages: UInt64 = 0
    public let totalPages: UInt64
    /// One past the highest pfn.
    public let endPFN: UInt64
    /// The shared zero page: a reserved kernel frame.
    public let zeroPage: PageFrameNumber
    /// The node and zone of each managed pfn, fixed at boot (`page_to_nid`, `page_zonenum`).
    public let locations: FrameLocations

    @usableFromInline var store: FrameStore
    @usableFromInline var use: UnsafeMutablePointer<PageUse> { store.use }
    @usableFromInline var mapCount: UnsafeMutablePointer<Int32> { store.mapCount }
    @usableFromInline var compoundMapCount: UnsafeMutablePointer<Int32> { store.compoundMapCount }
    @usableFromInline var ownerID: UnsafeMutablePointer<UInt32> { store.ownerID }
    @usableFromInline var ownerIndex: UnsafeMutablePointer<UInt64> { store.ownerIndex }
    @usableFromInline var state: ComplementedBuffer<UInt8> { store.state }
    @usableFromInline var next: ComplementedBuffer<UInt32> { store.next }
    @usableFromInline var prev: ComplementedBuffer<UInt32> { store.prev }
    /// Per pageblock: migrate type and zone index (0xFF outside every zone).
    @usableFromInline var blockType: UnsafeMutablePointer<UInt8> { store.blockType }
    @usableFromInline var blockZone: UnsafeMutablePointer<UInt8> { store.blockZone }
    /// Free list heads, tails and lengths, by (zone · orders + order) · MigrateType.count + type.
    @usableFromInline var head: UnsafeMutablePointer<UInt32> { store.head }
    @usableFromInline var tail: UnsafeMutablePointer<UInt32> { store.tail }
    @usableFromInline var listLength: UnsafeMutablePointer<UInt32> { store.listLength }
    /// Per-CPU list heads, tails and lengths, by zone · pcpLists + pindex.
    @usableFromInline var pcpHead: UnsafeMutablePointer<UInt32> { store.pcpHead }
    @usableFromInline var pcpTail: UnsafeMutablePointer<UInt32> { store.pcpTail }
    @usableFromInline var pcpLength: UnsafeMutablePointer<UInt32> { store.pcpLength }
    @usableFromInline var useCounts: UnsafeMutablePointer<UInt64> { store.useCounts }
    /// Compaction moves (from, to) whose users the kernel has not repointed yet.
    public internal(set) var pendingMigrations: [(from: PageFrameNumber, to: PageFrameNumber)] = []
    /// kswapd wake-ups not yet taken by the kernel, at most one per node (`takeKswapdWakeups`).
    public internal(set) var pendingKswapdWakeups: [KswapdWakeup] = []
    /// Compound pages mapped by at least one PMD (NR_ANON_THPS, in THPs): frames whose entire
    /// mapcount is not zero (`adjustEntireMapCount`).
    public internal(set) var entireMappedFolios: UInt64 = 0
    public var stats = PhysicalStatistics()
    /// Allocations since the last kcompactd proactive check.
    @usableFromInline var sinceKcompactd = 0
    /// Where the last failed allocation stopped (the reclaim/OOM seam).
    public internal(set) var lastFailure: AllocationFailure?

    /// Builds the machine's memory at boot: zones from the layout, every managed page free in the
    /// largest aligned blocks, every pageblock Movable (`memmap_init_range`), then
    /// min_free_kbytes, watermarks, lowmem reserves and per-CPU list sizes as `init_per_zone_wmark_min`
    /// and khugepaged's `set_recommended_min_free_kbytes` leave them.
    public init(configuration c: PhysicalConfiguration, memoryBytes: UInt64, kernelReservedBytes: UInt64) {
        configuration = c
        rules = c.kernelVersion.rules
        let nodes = c.layout(memoryBytes: memoryBytes, kernelReservedBytes: kernelReservedBytes)
        var end: UInt64 = 2
        for n in nodes { for z in n.zones where z.spanned > 0 { end = max(end, z.endPFN) } }
        end = (end + 1023) & ~1023
        endPFN = end
        let count = Int(end)
        var zoneCount = 0
        for n in nodes { zoneCount += n.zones.count }
        store = FrameStore(frames: count, zones: zoneCount, nodes: nodes.count)
        for (ni, n) in nodes.enumerated() {
            var ids: [Int] = []
            for z in n.zones {
                ids.append(zoneInfo.count)
                zoneInfo.append(Zone(node: ni, layout: z))
            }
            nodeZones.append(ids)
        }
        locations = FrameLocations(zones: zoneInfo)
        var total: UInt64 = 0
        var zero: UInt64 = 0
        for z in zoneInfo where z.isPopulated {
            total += z.layout.managed
            if zero == 0 && z.layout.present > z.layout.managed { zero = z.layout.startPFN }
        }
        totalPages = total
        zeroPage = PageFrameNumber(zero)
        // The frame tables start zeroed, every frame `.free`: the frames no zone manages (holes,
        // the zone's reserved head, the tail past `present`) are the kernel's.
        var managed: [Range<UInt64>] = []
        for z in zoneInfo where z.isPopulated {
            let l = z.layout
            managed.append((l.startPFN + (l.present - l.managed))..<(l.startPFN + l.present))
        }
        var from: UInt64 = 0
        for r in managed.sorted(by: { $0.lowerBound < $1.lowerBound }) + [end..<end] {
            for p in from..<max(from, r.lowerBound) { store.use[Int(p)] = .kernel }
            from = max(from, r.upperBound)
        }
        for zi in zoneInfo.indices where zoneInfo[zi].isPopulated {
            let l = zoneInfo[zi].layout
            var b = l.startPFN >> 9
            while b << 9 < l.endPFN { blockZone[Int(b)] = UInt8(zi); b += 1 }
            let firstManaged = l.startPFN + (l.present - l.managed)
            var pfn = firstManaged
            let stop = l.startPFN + l.present
            while pfn < stop {
                var order = min(PhysicalMemory.maxOrder, pfn == 0 ? PhysicalMemory.maxOrder : pfn.trailingZeroBitCount)
                while pfn + (1 << order) > stop { order -= 1 }
                addToList(UInt32(pfn), zone: zi, order: order, type: .movable, atTail: true)
                store.zoneFree[zi] += 1 << order
                pfn += 1 << order
            }
        }
        useCounts[Int(PageUse.free.rawValue)] = total
        useCounts[Int(PageUse.kernel.rawValue)] = 0
        buildZonelists()
        setupWatermarks()
        for n in nodeZones.indices {
            for t in ZoneType.all {
                let key = n * ZoneType.count + Int(t.rawValue)
                guard let p = zonelists[n].first(where: { zoneInfo[$0].type <= t }) else { continue }
                store.preferred[key] = p
                let dma32 = nodeZones[zoneInfo[p].node].count > 1 ? nodeZones[zoneInfo[p].node][1] : -1
                store.noFragment[key] = zoneInfo[p].type == .normal && dma32 >= 0 && zoneInfo[dma32].isPopulated
            }
        }
        for zi in zoneInfo.indices { updateLevel(zi) }
    }

    /// The fallback zonelists (`build_zonelists`, node order): own node's zoneInfo from the highest,
    /// then each other node's by increasing distance.
    mutating func buildZonelists() {
        zonelists = []
        for n in nodeZones.indices {
            let order = nodeZones.indices.sorted { (configuration.distance(n, $0), $0) < (configuration.distance(n, $1), $1) }
            var list: [Int] = []
            for m in order { for zi in nodeZones[m].reversed() where zoneInfo[zi].isManaged { list.append(zi) } }
            zonelists.append(list)
        }
    }

    // MARK: FrameAllocator

    public var freePages: UInt64 { useCounts[0] }
    public func pages(of use: PageUse) -> UInt64 { useCounts[Int(use.rawValue)] }

    /// Allocates one page for `use` with the GFP mask the kernel uses for it: user and page-cache
    /// pages GFP_HIGHUSER_MOVABLE, page tables GFP_PGTABLE_USER, slab GFP_KERNEL.
    
    public mutating func allocate(for u: PageUse) -> PageFrameNumber? {
        allocate(for: u, node: 0, nodemask: nil)
    }

    /// `allocate(for:)` starting from `node`'s zonelist, from the nodes of `nodemask` only (nil: any).
    public mutating func allocate(for u: PageUse, node: Int, nodemask: NodeMask?) -> PageFrameNumber? {
        let gfp: GFPMask = u == .pageTable ? .pageTableUser : (u == .slab ? .kernel : .highUserMovable)
        guard let f = allocatePages(order: 0, gfp: gfp, node: node, nodemask: nodemask) else { return nil }
        let i = Int(f.rawValue)
        use[i] = u; mapCount[i] = 0           // allocatePages made the store unique
        useCounts[0] -= 1
        useCounts[Int(u.rawValue)] += 1
        return f
    }

    /// Frees one page (`free_unref_page`).
    
    public mutating func release(_ frame: PageFrameNumber) {
        freePages(frame, order: 0)
    }

    /// Marks the 2^order frames at `f` as holding `u` (from free).
    
    public mutating func setUse(_ f: PageFrameNumber, order: Int, _ u: PageUse) {
        ensureUnique()
        let n = 1 << order
        let i = Int(f.rawValue)
        for k in i..<(i + n) { use[k] = u; mapCount[k] = 0 }
        useCounts[0] -= UInt64(n)
        useCounts[Int(u.rawValue)] += UInt64(n)
    }

    /// What `frame` holds (`.kernel` for reserved frames, holes and the zero page).
    public func useOf(_ frame: PageFrameNumber) -> PageUse {
        frame.rawValue < endPFN ? use[Int(frame.rawValue)] : .kernel
    }

    /// How many PTEs map `frame`.
    public func mapCountOf(_ frame: PageFrameNumber) -> Int32 {
        frame.rawValue < endPFN ? mapCount[Int(frame.rawValue)] : 0
    }

    /// Adds `delta` to the mapcount of `frame` (the zero page is not counted).
    public mutating func adjustMapCount(_ frame: PageFrameNumber, by delta: Int32) {
        ensureUnique()
        guard frame != zeroPage, frame.rawValue < endPFN else { return }
        mapCount[Int(frame.rawValue)] += delta
    }

    /// The zone holding `frame`, if any.
    public func zoneIndex(of frame: PageFrameNumber) -> Int? {
        guard frame.rawValue < endPFN else { return nil }
        let z = blockZone[Int(frame.rawValue >> 9)]
        return z == 0xFF ? nil : Int(z)
    }

    /// The migrate type of the pageblock holding `frame`.
    public func pageblockType(of frame: PageFrameNumber) -> MigrateType {
        MigrateType(rawValue: blockType[Int(frame.rawValue >> 9)])
    }

    /// Pages on the per-CPU lists of every zone (free, but not in MemFree).
    public var pcpPages: UInt64 { (0..<zoneInfo.count).reduce(0) { $0 + UInt64(store.pcpCount[$1]) } }
    /// NR_FREE_PAGES summed over zones (MemFree).
    public var buddyFreePages: UInt64 { (0..<zoneInfo.count).reduce(0) { $0 + store.zoneFree[$1] } }

    /// The zones with their counters as of now (a snapshot: free pages, nr_free, per-CPU count,
    /// pgalloc filled in from the hot state).
    public var zones: [Zone] {
        zoneInfo.indices.map { z in
            var v = zoneInfo[z]
            v.freePages = store.zoneFree[z]
            v.nrFree = nrFreeArray(z)
            v.pcpCount = store.pcpCount[z]
            v.pcpFreeFactor = store.pcpFreeFactor[z]
            v.pgalloc = store.pgalloc[z]
            return v
        }
    }

    /// free_area[order].nr_free of zone `z`.
    public func nrFreeArray(_ z: Int) -> [UInt64] {
        (0..<PhysicalMemory.orders).map { store.nrFree[z * PhysicalMemory.orders + $0] }
    }

    /// Copies zone `z`'s watermarks (with boost), lowmem reserve, highatomic reserve and per-CPU
    /// sizes into the hot store.
    mutating func syncHot(_ z: Int) {
        for i in 0..<3 { store.wmark[z * 3 + i] = zoneInfo[z].mark(i) }
        for j in 0..<ZoneType.count { store.reserve[z * ZoneType.count + j] = zoneInfo[z].lowmemReserve[j] }
        store.highAtomic[z] = zoneInfo[z].reservedHighAtomic
        store.pcpBatch[z] = zoneInfo[z].pcpBatch
        store.pcpHigh[z] = zoneInfo[z].pcpHigh
    }

    /// Copy-on-write: called once by every public mutating entry point.
    @inline(__always) mutating func ensureUnique() {
        if !isKnownUniquelyReferenced(&store) { store = store.copy() }
    }
}
