/// The fragmentation figures of mm/vmstat.c and mm/compaction.c, from a zone's free-block counts
/// per order (`fill_contig_page_info`).
public struct ContiguousPageInfo: Hashable, Sendable {
    /// Σ nr_free[k].
    public var freeBlocksTotal: UInt64
    /// Σ nr_free[k] << k.
    public var freePages: UInt64
    /// Σ_{k ≥ order} nr_free[k] << (k − order): blocks of the requested order that could be had.
    public var freeBlocksSuitable: UInt64

    /// `fill_contig_page_info` for `order` from nr_free per order.
    public init(nrFree: [UInt64], order: Int) {
        var total: UInt64 = 0, pages: UInt64 = 0, suitable: UInt64 = 0
        for (k, n) in nrFree.enumerated() {
            total += n
            pages += n << UInt64(k)
            if k >= order { suitable += n << UInt64(k - order) }
        }
        freeBlocksTotal = total; freePages = pages; freeBlocksSuitable = suitable
    }

    /// `__fragmentation_index` ×1000: 0 when the request would fail for lack of memory, toward
    /// 1000 when it fails from fragmentation, −1000 when a suitable block exists.
    public func fragmentationIndex(order: Int) -> Int {
        if freeBlocksTotal == 0 { return 0 }
        if freeBlocksSuitable > 0 { return -1000 }
        let requested = UInt64(1) << UInt64(order)
        return 1000 - Int((1000 + freePages * 1000 / requested) / freeBlocksTotal)
    }

    /// `unusable_free_index` ×1000: the share of free memory unusable for this order.
    public func unusableFreeIndex(order: Int) -> Int {
        if freePages == 0 { return 1000 }
        return Int((freePages - (freeBlocksSuitable << UInt64(order))) * 1000 / freePages)
    }

    /// `extfrag_for_order` (0…100): the percentage of free memory unusable for this order.
    public func extfragPercent(order: Int) -> Int {
        if freePages == 0 { return 0 }
        return Int((freePages - (freeBlocksSuitable << UInt64(order))) * 100 / freePages)
    }

    /// The debugfs text of a ×1000 index (`%d.%03d`; −1000 → "-1.000").
    public static func format(_ v: Int) -> String {
        let a = abs(v)
        let frac = String(a % 1000)
        return (v < 0 ? "-" : "") + "\(a / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }
}

extension PhysicalMemory {
    /// `fragmentation_index(zone, order)` ×1000.
    public func fragmentationIndex(zone z: Int, order: Int) -> Int {
        ContiguousPageInfo(nrFree: nrFreeArray(z), order: order).fragmentationIndex(order: order)
    }
    /// `unusable_free_index` ×1000.
    public func unusableFreeIndex(zone z: Int, order: Int) -> Int {
        ContiguousPageInfo(nrFree: nrFreeArray(z), order: order).unusableFreeIndex(order: order)
    }
}
