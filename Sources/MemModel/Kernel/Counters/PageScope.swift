import MemTrace

/// The page facts of one extent of the machine — all of it, one node or one zone — that the
/// per-node and per-zone page counters (`PageStateCounter`) read.
///
/// The kernel keeps these counters per zone and per node and sums them for /proc/vmstat and
/// /proc/meminfo (`global_zone_page_state`, `global_node_page_state`); /proc/zoneinfo prints
/// them per node and zone (`zoneinfo_show_print`). The model counts frames by use machine-wide
/// (`PhysicalMemory.pages(of:)`) and per zone by a scan (`useCounts(zone:)`). Slab pages, mapped
/// file pages, dirty and writeback pages it keeps machine-wide only: they are reported for the machine and
/// for node 0, and as 0 for every other node.
public struct PageScope: Sendable {
    /// What the facts cover.
    public enum Extent: Hashable, Sendable { case machine, node(Int), zone(Int) }

    public let extent: Extent
    /// Frames by `PageUse` (indexed by raw value).
    let uses: [UInt64]
    /// NR_FREE_PAGES: pages on the buddy free lists.
    public let freePages: UInt64
    /// NR_SLAB_RECLAIMABLE_B / NR_SLAB_UNRECLAIMABLE_B in pages, NR_FILE_MAPPED and NR_FILE_DIRTY
    /// (kept machine-wide: see the type's summary).
    public let slabReclaimable: UInt64
    public let slabUnreclaimable: UInt64
    public let mapped: UInt64
    public let dirty: UInt64
    /// NR_SWAPCACHE, and the swap-cache pages no PTE maps (not in NR_ANON_MAPPED): machine-wide.
    public let swapCached: UInt64
    public let swapCacheUnmapped: UInt64
    /// NR_WRITEBACK, NR_DIRTIED and NR_WRITTEN (machine-wide, like NR_FILE_DIRTY).
    public let writeback: UInt64
    public let dirtied: UInt64
    public let written: UInt64
    /// Pages on each LRU list (`LRUList` order) in the extent (NR_ZONE_LRU_BASE + lru, summed).
    public let lru: [UInt64]

    /// Frames holding `use` in the extent.
    public func pages(_ use: PageUse) -> UInt64 { uses[Int(use.rawValue)] }

    init(_ extent: Extent, uses: [UInt64], freePages: UInt64, kernel k: LinuxKernel, holdsMachineWide: Bool) {
        self.extent = extent
        let f = k.frames
        lru = LRUList.allCases.map { list in
            switch extent {
            case .machine: (0..<f.nodeZones.count).reduce(0) { $0 + f.nodeLRUPages($1, list) }
            case .node(let n): f.nodeLRUPages(n, list)
            case .zone(let z): f.nodeLRUPages(f.zoneInfo[z].node, list, zone: f.zoneInfo[z].type)
            }
        }
        self.uses = uses
        self.freePages = freePages
        slabReclaimable = holdsMachineWide ? k.slab.reclaimablePages : 0
        slabUnreclaimable = holdsMachineWide ? k.slab.unreclaimablePages : 0
        mapped = holdsMachineWide ? k.stats.mappedPages : 0
        dirty = holdsMachineWide ? k.cache.dirtyPages : 0
        swapCached = holdsMachineWide ? k.swap.cachedPages : 0
        swapCacheUnmapped = holdsMachineWide ? k.swap.countCachedFrames { f.mapCountOf($0) == 0 } : 0
        writeback = holdsMachineWide ? k.cache.writebackPages : 0
        dirtied = holdsMachineWide ? k.writeback.stats.nrDirtied : 0
        written = holdsMachineWide ? k.writeback.stats.nrWritten : 0
    }

    /// The whole machine (/proc/vmstat, /proc/meminfo): the frame store's running counts.
    public init(machine k: LinuxKernel) {
        self.init(.machine, uses: PageUse.allCases.map { k.frames.pages(of: $0) }, freePages: k.frames.buddyFreePages,
                  kernel: k, holdsMachineWide: true)
    }

    /// Node `node` (/proc/zoneinfo's per-node stats): its zones' frames by a scan.
    public init(node: Int, of k: LinuxKernel) {
        var uses = Array(repeating: UInt64(0), count: PageUse.allCases.count)
        var free: UInt64 = 0
        for zi in k.frames.nodeZones[node] {
            for (i, n) in k.frames.useCounts(zone: zi).enumerated() { uses[i] += n }
            free += k.frames.zoneFreePages(zi)
        }
        self.init(.node(node), uses: uses, freePages: free, kernel: k, holdsMachineWide: node == 0)
    }

    /// Zone `zone`, an index into `PhysicalMemory.zoneInfo` (/proc/zoneinfo's zone stats).
    public init(zone: Int, of k: LinuxKernel) {
        self.init(.zone(zone), uses: k.frames.useCounts(zone: zone), freePages: k.frames.zoneFreePages(zone),
                  kernel: k, holdsMachineWide: false)
    }
}
