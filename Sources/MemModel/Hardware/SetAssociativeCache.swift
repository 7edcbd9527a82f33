/// What one probe of a set-associative structure did: hit or miss, and the line it evicted.
public struct CacheProbe: Hashable, Sendable {
    public var hit: Bool
    /// The line pushed out to make room (`CacheProbe.noLine` when none was).
    public var evicted: UInt64
    /// True when the evicted line was dirty (a write-back is due).
    public var evictedDirty: Bool

    public static let noLine = UInt64.max
    @inlinable init(hit: Bool, evicted: UInt64 = CacheProbe.noLine, evictedDirty: Bool = false) {
        self.hit = hit; self.evicted = evicted; self.evictedDirty = evictedDirty
    }
}

/// A set-associative array of tags — a cache level, a TLB or a paging-structure cache — as a value.
///
/// Keys ("lines") are block numbers (address >> line bits) or any value below 2^63; the set is
/// `key & (sets − 1)` and the whole key is kept as the tag, as valgrind's `cachesim_ref_is_miss`
/// (cachegrind/cg_sim.c) does. The policies (true LRU with cachegrind's move-to-front, tree-PLRU,
/// SRRIP, seeded random) are `TagArray`'s; this type owns one array in a `TagArena` and copies it
/// before mutating a shared one, so it behaves as a plain value.
public struct SetAssociativeCache: Sendable {
    var arena: TagArena<Void>

    public static let empty = UInt64.max

    /// A structure of `sets` × `ways` entries (`sets` a power of two; tree-PLRU needs power-of-two ways).
    public init(sets: Int, ways: Int, policy: ReplacementPolicy = .lru, seed: UInt64 = 1) {
        precondition(ways > 0)
        arena = TagArena([TagShape(sets: sets, ways: ways, policy: policy, seed: seed)])
    }

    /// A structure with `geometry`'s sets and ways.
    public init(_ geometry: CacheGeometry, policy: ReplacementPolicy, seed: UInt64 = 1) {
        self.init(sets: geometry.sets, ways: geometry.ways, policy: policy, seed: seed)
    }

    /// A value copy of `array` (its tags and policy state).
    init(copying array: TagArray) {
        arena = TagArena([TagShape(sets: array.sets, ways: array.ways, policy: array.policy)])
        let a = arena.arrays[0]
        a.slots.update(from: array.slots, count: array.sets * array.ways)
        a.random.pointee = array.random.pointee
        if array.policy == .treePLRU { a.plru.update(from: array.plru, count: array.sets) }
        if array.policy == .srrip { a.rrpv.update(from: array.rrpv, count: array.sets * array.ways) }
    }

    var array: TagArray { arena.arrays[0] }

    /// Copies the arena when another value shares it.
    @inline(__always) mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&arena) { arena = arena.copy() }
    }

    public var sets: Int { array.sets }
    public var ways: Int { array.ways }
    public var policy: ReplacementPolicy { array.policy }
    public var capacity: Int { sets * ways }

    /// Looks `key` up; on a miss installs it (when `allocate`), evicting the policy's victim. A
    /// write (`dirty`) marks the line dirty.
    public mutating func access(_ key: UInt64, dirty: Bool = false, allocate: Bool = true) -> CacheProbe {
        makeUnique()
        return array.access(key, dirty: dirty, allocate: allocate)
    }

    /// True when `key` is present (no state changes).
    public func contains(_ key: UInt64) -> Bool { array.contains(key) }

    /// Removes `key`; returns whether it was present and whether it was dirty.
    @discardableResult
    public mutating func remove(_ key: UInt64) -> (present: Bool, dirty: Bool) {
        makeUnique()
        return array.remove(key)
    }

    /// Marks a present `key` dirty without changing recency; false when absent.
    @discardableResult
    public mutating func markDirty(_ key: UInt64) -> Bool {
        makeUnique()
        return array.markDirty(key)
    }

    /// Removes every key for which `predicate` holds; returns how many were removed.
    @discardableResult
    public mutating func removeAll(where predicate: (UInt64) -> Bool) -> Int {
        makeUnique()
        return array.removeAll(where: predicate)
    }

    /// Empties every set.
    public mutating func clear() {
        makeUnique()
        array.clear()
    }

    /// The keys present, set by set (LRU: most recent first within a set).
    public var keys: [UInt64] { array.keys }

    /// Number of occupied entries.
    public var occupancy: Int { array.occupancy }

    /// Broken invariants: every key lives in the set its low bits name, no key twice in a set,
    /// under LRU the empty slots of a set come after the occupied ones, RRPVs within 0…3.
    public func invariantViolations() -> [String] { array.invariantViolations() }
}
