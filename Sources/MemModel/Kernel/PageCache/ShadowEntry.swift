/// What an evicted page leaves in the page cache (`pack_shadow` in mm/workingset.c): the lruvec
/// it was evicted from, that lruvec's non-resident age at eviction, and whether the page was in
/// the workingset (PG_workingset).
public struct ShadowEntry: Hashable, Sendable {
    public var lruvec: Int
    public var eviction: UInt64
    public var workingset: Bool

    public init(lruvec: Int, eviction: UInt64, workingset: Bool) {
        self.lruvec = lruvec; self.eviction = eviction; self.workingset = workingset
    }
}
