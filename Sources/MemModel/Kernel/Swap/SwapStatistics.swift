/// The swap subsystem's vmstat counters (mm/vmstat.c names).
public struct SwapStatistics: Hashable, Sendable {
    /// pswpin, pswpout: pages read from and written to swap.
    public var pswpin: UInt64 = 0
    public var pswpout: UInt64 = 0
    /// swap_ra, swap_ra_hit: pages read ahead, and read-ahead pages a fault then found.
    public var swapRA: UInt64 = 0
    public var swapRAHit: UInt64 = 0
    /// thp_swpout, thp_swpout_fallback: THPs swapped out whole, and those split first.
    public var thpSwpout: UInt64 = 0
    public var thpSwpoutFallback: UInt64 = 0
}
