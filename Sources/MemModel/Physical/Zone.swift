/// One zone of a node: its extent, watermarks, lowmem reserve, free-area counts, per-CPU list
/// settings, compaction state and counters (`struct zone`, include/linux/mmzone.h).
///
/// The free lists themselves live in `PhysicalMemory` (linked through per-frame arrays); a zone
/// keeps the counts the kernel keeps: NR_FREE_PAGES and `free_area[order].nr_free`.
public struct Zone: Sendable {
    public let node: Int
    public let type: ZoneType
    public let layout: ZoneLayout
    /// _watermark[WMARK_MIN/LOW/HIGH] (without the boost).
    public var minMark: UInt64 = 0
    public var lowMark: UInt64 = 0
    public var highMark: UInt64 = 0
    /// watermark_boost (`boost_watermark`).
    public var boost: UInt64 = 0
    /// ZONE_BOOSTED_WATERMARK: set by a fallback steal, wakes kswapd on the next rmqueue.
    public var boostedFlag = false
    /// lowmem_reserve[] against each higher zone type ("protection").
    public var lowmemReserve: [UInt64] = Array(repeating: 0, count: ZoneType.count)
    /// NR_FREE_PAGES: pages on the buddy free lists (not the per-CPU lists).
    public var freePages: UInt64 = 0
    /// free_area[order].nr_free.
    public var nrFree: [UInt64] = Array(repeating: 0, count: PhysicalMemory.orders)
    public var reservedHighAtomic: UInt64 = 0
    /// Per-CPU pageset of CPU 0 (the model runs every allocation there): count, high, batch.
    public var pcpCount = 0
    public var pcpHigh = 0
    public var pcpBatch = 1
    public var pcpFreeFactor = 0
    /// pgalloc_<zone>, pgfree for the zone.
    public var pgalloc: UInt64 = 0
    /// Compaction deferral (`defer_compaction`): considered, shift and the order that failed.
    public var compactConsidered: UInt32 = 0
    public var compactDeferShift: UInt32 = 0
    public var compactOrderFailed: Int = PhysicalMemory.orders
    /// Watermark level now (0 above high, 1 low…high, 2 min…low, 3 below min) and crossings of each
    /// mark downward (free fell below it) and of high upward.
    public var level: UInt8 = 0
    public var crossedBelowLow: UInt64 = 0
    public var crossedBelowMin: UInt64 = 0
    public var crossedAboveHigh: UInt64 = 0

    public init(node: Int, layout: ZoneLayout) {
        self.node = node; self.type = layout.type; self.layout = layout
    }

    public var managed: UInt64 { layout.managed }
    public var isPopulated: Bool { layout.present > 0 }
    /// `managed_zone`.
    public var isManaged: Bool { layout.managed > 0 }
    /// wmark_pages(): the mark plus the boost; index 0 min, 1 low, 2 high.
    public func mark(_ index: Int) -> UInt64 {
        (index == 0 ? minMark : index == 1 ? lowMark : highMark) &+ boost
    }
    /// The display name with its node, for counters ("Normal", "n1.Normal").
    public var counterName: String { node == 0 ? type.name : "n\(node).\(type.name)" }
}
