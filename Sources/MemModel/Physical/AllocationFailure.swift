/// A page allocation that failed, as a value: where the allocation path stopped and what it asked
/// for (`__alloc_pages_slowpath`'s exits in mm/page_alloc.c), the seam the reclaim and OOM layers
/// plug into.
public struct AllocationFailure: Hashable, Sendable {
    /// Where the path stopped.
    public enum Reason: Hashable, Sendable {
        /// order > MAX_ORDER − 1.
        case orderTooLarge
        /// The request may not reclaim (GFP_ATOMIC, __GFP_NORETRY first attempts) and nothing was free.
        case noReclaimAllowed
        /// Direct reclaim would run here (`__alloc_pages_direct_reclaim`): not modelled yet.
        case needsReclaim
    }

    public let reason: Reason
    /// The order asked for (2^order pages).
    public let order: Int
    /// The request's GFP mask.
    public let gfp: GFPMask
    /// The preferred zone of the request (`ac->preferred_zoneref`, an index into
    /// `PhysicalMemory.zoneInfo`); nil when the path stopped before choosing one.
    public let zone: Int?

    public init(reason: Reason, order: Int, gfp: GFPMask, zone: Int?) {
        self.reason = reason; self.order = order; self.gfp = gfp; self.zone = zone
    }
}
