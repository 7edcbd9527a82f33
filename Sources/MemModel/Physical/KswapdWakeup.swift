/// A request that kswapd balance a node, as `wakeup_kswapd` (mm/vmscan.c) leaves it in the node:
/// `pgdat->kswapd_order` and `pgdat->kswapd_highest_zoneidx`.
///
/// The physical layer records one per node until the kernel takes them
/// (`PhysicalMemory.takeKswapdWakeups`); what kswapd then does (`balance_pgdat`) is the reclaim
/// layer's. Later wake-ups of the same node merge into the pending one as the kernel's fields do.
public struct KswapdWakeup: Hashable, Sendable {
    /// The node whose kswapd is woken (`zone->zone_pgdat`).
    public var node: Int
    /// The zone whose allocation asked (an index into `PhysicalMemory.zoneInfo`); after a merge,
    /// the highest of the node's asking zones.
    public var zone: Int
    /// `kswapd_order`: the largest order the waking allocations wanted.
    public var order: Int
    /// `kswapd_highest_zoneidx`: the highest zone type (`ZoneType.rawValue`) they could use.
    public var highestZoneIndex: Int

    public init(node: Int, zone: Int, order: Int, highestZoneIndex: Int) {
        self.node = node; self.zone = zone; self.order = order; self.highestZoneIndex = highestZoneIndex
    }

    /// Folds a later wake-up of the same node in, keeping the highest order and the highest zone
    /// index (`wakeup_kswapd`: `if (curr_idx < highest_zoneidx) …; if (kswapd_order < order) …`),
    /// and the highest asking zone (a node's zones are numbered in zone-type order).
    public mutating func merge(_ later: KswapdWakeup) {
        precondition(later.node == node, "kswapd wake-ups of different nodes do not merge")
        order = max(order, later.order)
        highestZoneIndex = max(highestZoneIndex, later.highestZoneIndex)
        zone = max(zone, later.zone)
    }
}
