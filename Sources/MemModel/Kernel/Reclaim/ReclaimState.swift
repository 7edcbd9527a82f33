/// The reclaim subsystem's own state: per lruvec the cost of reclaiming each type, the
/// non-resident age for refault distances and the refault counts seen by the last run; per node
/// kswapd's failures and the PGDAT_DIRTY flag; and the vmstat counters of reclaim. (Pending
/// kswapd wakeups are the physical layer's values, `PhysicalMemory.takeKswapdWakeups`.)
///
/// The LRU lists themselves are per-frame facts beside the frame store (`PhysicalMemory+LRU`:
/// a frame is free or on an LRU, as Linux reuses `page->lru`); this type keeps what the policy
/// learns from them.
public struct ReclaimState: Hashable, Sendable {
    /// One lruvec's policy state (`struct lruvec` without its lists).
    public struct Vector: Hashable, Sendable {
        /// `anon_cost`, `file_cost` (`lru_note_cost`).
        public var anonCost: UInt64 = 0
        public var fileCost: UInt64 = 0
        /// `nonresident_age` (`workingset_age_nonresident`).
        public var nonresidentAge: UInt64 = 0
        /// WORKINGSET_ACTIVATE_ANON/FILE as the last reclaim run saw them (`lruvec->refaults`).
        public var refaultsSeen: (anon: UInt64, file: UInt64) = (0, 0)
        /// WORKINGSET_ACTIVATE_ANON/FILE now.
        public var activations: (anon: UInt64, file: UInt64) = (0, 0)

        public static func == (a: Vector, b: Vector) -> Bool {
            a.anonCost == b.anonCost && a.fileCost == b.fileCost && a.nonresidentAge == b.nonresidentAge
                && a.refaultsSeen == b.refaultsSeen && a.activations == b.activations
        }
        public func hash(into h: inout Hasher) { h.combine(anonCost); h.combine(fileCost); h.combine(nonresidentAge) }
    }

    /// MAX_RECLAIM_RETRIES: kswapd gives a node up after this many runs that reclaimed nothing.
    public static let maxFailures = 16

    public private(set) var vectors: [Vector]
    /// `pgdat->kswapd_failures` per node.
    public private(set) var kswapdFailures: [Int]
    /// PGDAT_DIRTY: nodes where kswapd isolated file batches that were all dirty and not under
    /// writeback; there kswapd writes dirty folios back itself (`shrink_node`).
    public var dirtyNodes: Set<Int> = []
    /// PGDAT_WRITEBACK: nodes where kswapd isolated batches that were all under writeback;
    /// there a folio seen again under writeback with PG_reclaim counts as immediate (`shrink_node`).
    public var writebackNodes: Set<Int> = []
    public var stats = ReclaimStatistics()

    public init(nodes: Int) {
        vectors = Array(repeating: Vector(), count: nodes)
        kswapdFailures = Array(repeating: 0, count: nodes)
    }

    /// Room for `count` lruvecs (a memory cgroup was created: its lruvecs start with no cost and age 0).
    mutating func ensureVectors(_ count: Int) {
        if vectors.count < count { vectors += Array(repeating: Vector(), count: count - vectors.count) }
    }

    /// `lru_note_cost`: `pages` of I/O (pageout or refault) charged to the type, both costs halved
    /// once they pass a quarter of the lruvec's pages.
    mutating func noteCost(_ v: Int, file: Bool, pages: UInt64, lruPages: UInt64) {
        if file { vectors[v].fileCost += pages } else { vectors[v].anonCost += pages }
        if vectors[v].fileCost + vectors[v].anonCost > lruPages / 4 {
            vectors[v].fileCost /= 2
            vectors[v].anonCost /= 2
        }
    }

    /// `workingset_age_nonresident`: evictions and activations age the non-resident pages.
    mutating func age(_ v: Int, by pages: UInt64) { vectors[v].nonresidentAge += pages }

    /// A refault activated `pages` (WORKINGSET_ACTIVATE_*).
    mutating func noteActivation(_ v: Int, file: Bool, pages: UInt64) {
        if file { vectors[v].activations.file += pages } else { vectors[v].activations.anon += pages }
    }

    /// `prepare_scan_count`'s snapshot of the refaults (`lruvec->refaults` after a run, `snapshot_refaults`).
    mutating func snapshotRefaults(_ v: Int) { vectors[v].refaultsSeen = vectors[v].activations }

    /// kswapd's run on `node` reclaimed nothing (`kswapd_failures++`) or something (reset).
    mutating func kswapdRan(node: Int, reclaimed: UInt64) {
        kswapdFailures[node] = reclaimed > 0 ? 0 : kswapdFailures[node] + 1
    }

    /// Any reclaim freed pages on `node`: a hopeless node becomes reclaimable again.
    mutating func reclaimedSomething(node: Int) { kswapdFailures[node] = 0 }

    /// The subsystem's own invariants.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        for (i, v) in vectors.enumerated() where v.refaultsSeen.anon > v.activations.anon || v.refaultsSeen.file > v.activations.file {
            problems.append("lruvec \(i): more refaults seen than counted")
        }
        for n in dirtyNodes.sorted() where n >= kswapdFailures.count { problems.append("dirty flag on node \(n), which does not exist") }
        return problems
    }
}
