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

/// A set-associative array of tags — a cache level, a TLB or a paging-structure cache.
///
/// Keys ("lines") are block numbers (address >> line bits) or any value below 2^63; the set is
/// `key & (sets − 1)` and the whole key is kept as the tag, as valgrind's `cachesim_ref_is_miss`
/// (cachegrind/cg_sim.c) does. Each slot holds `key << 1 | dirty`, `UInt64.max` when empty. Under
/// LRU a set's slots are kept most-recent first and a hit moves its tag to the front, exactly as
/// cachegrind's `cachesim_setref_is_miss`; the other policies keep slots in place with their
/// per-set state (PLRU bits, 2-bit RRPVs, a seeded random stream).
public struct SetAssociativeCache: Sendable {
    public let sets: Int
    public let ways: Int
    public let policy: ReplacementPolicy
    @usableFromInline let setMask: UInt64
    @usableFromInline var slots: [UInt64]
    /// Tree-PLRU bits per set, or nothing.
    @usableFromInline var plru: [UInt64]
    /// SRRIP re-reference prediction values per slot, or nothing.
    @usableFromInline var rrpv: [UInt8]
    @usableFromInline var random: UInt64

    public static let empty = UInt64.max

    /// A structure of `sets` × `ways` entries (`sets` a power of two; tree-PLRU needs power-of-two ways).
    public init(sets: Int, ways: Int, policy: ReplacementPolicy = .lru, seed: UInt64 = 1) {
        precondition(sets > 0 && sets & (sets - 1) == 0, "sets must be a power of two")
        precondition(ways > 0)
        self.sets = sets; self.ways = ways
        self.policy = (policy == .treePLRU && (ways & (ways - 1)) != 0) ? .lru : policy
        setMask = UInt64(sets - 1)
        slots = [UInt64](repeating: SetAssociativeCache.empty, count: sets * ways)
        plru = self.policy == .treePLRU ? [UInt64](repeating: 0, count: sets) : []
        rrpv = self.policy == .srrip ? [UInt8](repeating: 3, count: sets * ways) : []
        random = seed
    }

    /// A structure with `geometry`'s sets and ways.
    public init(_ geometry: CacheGeometry, policy: ReplacementPolicy, seed: UInt64 = 1) {
        self.init(sets: geometry.sets, ways: geometry.ways, policy: policy, seed: seed)
    }

    @inlinable public var capacity: Int { sets * ways }

    /// Looks `key` up; on a miss installs it (when `allocate`), evicting the policy's victim. A
    /// write (`dirty`) marks the line dirty.
    @inlinable @inline(__always)
    public mutating func access(_ key: UInt64, dirty: Bool = false, allocate: Bool = true) -> CacheProbe {
        let base = Int(key & setMask) &* ways
        let want = key << 1
        if policy == .lru {
            return slots.withUnsafeMutableBufferPointer { s in
                let first = s[base]
                if first | 1 == want | 1 {
                    if dirty { s[base] = first | 1 }
                    return CacheProbe(hit: true)
                }
                var i = 1
                while i < ways {
                    let e = s[base &+ i]
                    if e | 1 == want | 1 {
                        var j = i
                        while j > 0 { s[base &+ j] = s[base &+ j &- 1]; j &-= 1 }
                        s[base] = dirty ? e | 1 : e
                        return CacheProbe(hit: true)
                    }
                    i &+= 1
                }
                guard allocate else { return CacheProbe(hit: false) }
                let victim = s[base &+ ways &- 1]
                var j = ways &- 1
                while j > 0 { s[base &+ j] = s[base &+ j &- 1]; j &-= 1 }
                s[base] = dirty ? want | 1 : want
                if victim == SetAssociativeCache.empty { return CacheProbe(hit: false) }
                return CacheProbe(hit: false, evicted: victim >> 1, evictedDirty: victim & 1 == 1)
            }
        }
        return accessFixed(base, want, dirty: dirty, allocate: allocate)
    }

    /// `access` for the policies that keep slots in place.
    @usableFromInline
    mutating func accessFixed(_ base: Int, _ want: UInt64, dirty: Bool, allocate: Bool) -> CacheProbe {
        for i in 0..<ways where slots[base + i] | 1 == want | 1 {
            if dirty { slots[base + i] |= 1 }
            touch(base, i)
            return CacheProbe(hit: true)
        }
        guard allocate else { return CacheProbe(hit: false) }
        let w = victimWay(base)
        let victim = slots[base + w]
        slots[base + w] = dirty ? want | 1 : want
        if policy == .srrip { rrpv[base + w] = 2 } else { touch(base, w) }
        if victim == SetAssociativeCache.empty { return CacheProbe(hit: false) }
        return CacheProbe(hit: false, evicted: victim >> 1, evictedDirty: victim & 1 == 1)
    }

    /// Records a use of way `w` in the set at `base`.
    @usableFromInline mutating func touch(_ base: Int, _ w: Int) {
        switch policy {
        case .treePLRU:
            // Walk from the root to leaf w, pointing every node on the path away from it.
            let set = base / ways
            var node = 1, lo = 0, span = ways
            var bits = plru[set]
            while span > 1 {
                span >>= 1
                let right = w >= lo + span
                if right { bits &= ~(1 << UInt64(node)); lo += span } else { bits |= 1 << UInt64(node) }
                node = node * 2 + (right ? 1 : 0)
            }
            plru[set] = bits
        case .srrip: rrpv[base + w] = 0
        case .lru, .random: break
        }
    }

    /// The way to replace in the set at `base`: an empty way first, else the policy's choice.
    @usableFromInline mutating func victimWay(_ base: Int) -> Int {
        for i in 0..<ways where slots[base + i] == SetAssociativeCache.empty { return i }
        switch policy {
        case .treePLRU:
            // Follow the bits: a set bit means "the victim is on the right".
            let bits = plru[base / ways]
            var node = 1, lo = 0, span = ways
            while span > 1 {
                span >>= 1
                if bits & (1 << UInt64(node)) != 0 { lo += span; node = node * 2 + 1 } else { node = node * 2 }
            }
            return lo
        case .srrip:
            while true {
                for i in 0..<ways where rrpv[base + i] >= 3 { return i }
                for i in 0..<ways { rrpv[base + i] += 1 }
            }
        case .random:
            random &+= 0x9E37_79B9_7F4A_7C15
            var z = random
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(ways))
        case .lru:
            return ways - 1
        }
    }

    /// True when `key` is present (no state changes).
    @inlinable public func contains(_ key: UInt64) -> Bool {
        let base = Int(key & setMask) * ways
        let want = key << 1
        for i in 0..<ways where slots[base + i] | 1 == want | 1 { return true }
        return false
    }

    /// Removes `key`; returns whether it was present and whether it was dirty.
    @discardableResult
    public mutating func remove(_ key: UInt64) -> (present: Bool, dirty: Bool) {
        let base = Int(key & setMask) * ways
        let want = key << 1
        for i in 0..<ways where slots[base + i] | 1 == want | 1 {
            let dirty = slots[base + i] & 1 == 1
            if policy == .lru {
                // Keep recency order: close the gap, the empty slot goes last.
                for j in i..<(ways - 1) { slots[base + j] = slots[base + j + 1] }
                slots[base + ways - 1] = SetAssociativeCache.empty
            } else {
                slots[base + i] = SetAssociativeCache.empty
                if policy == .srrip { rrpv[base + i] = 3 }
            }
            return (true, dirty)
        }
        return (false, false)
    }

    /// Marks a present `key` dirty without changing recency; false when absent.
    @discardableResult
    public mutating func markDirty(_ key: UInt64) -> Bool {
        let base = Int(key & setMask) * ways
        let want = key << 1
        for i in 0..<ways where slots[base + i] | 1 == want | 1 { slots[base + i] |= 1; return true }
        return false
    }

    /// Removes every key for which `predicate` holds; returns how many were removed.
    @discardableResult
    public mutating func removeAll(where predicate: (UInt64) -> Bool) -> Int {
        var keys: [UInt64] = []
        for e in slots where e != SetAssociativeCache.empty && predicate(e >> 1) { keys.append(e >> 1) }
        for k in keys { remove(k) }
        return keys.count
    }

    /// Empties every set.
    public mutating func clear() {
        for i in slots.indices { slots[i] = SetAssociativeCache.empty }
        for i in rrpv.indices { rrpv[i] = 3 }
        for i in plru.indices { plru[i] = 0 }
    }

    /// The keys present, set by set (LRU: most recent first within a set).
    public var keys: [UInt64] { slots.compactMap { $0 == SetAssociativeCache.empty ? nil : $0 >> 1 } }

    /// Number of occupied entries.
    public var occupancy: Int { slots.reduce(0) { $0 + ($1 == SetAssociativeCache.empty ? 0 : 1) } }

    /// Broken invariants: every key lives in the set its low bits name, no key twice in a set,
    /// under LRU the empty slots of a set come after the occupied ones, RRPVs within 0…3.
    public func invariantViolations() -> [String] {
        var out: [String] = []
        for set in 0..<sets {
            var seen = Set<UInt64>()
            var sawEmpty = false
            for w in 0..<ways {
                let e = slots[set * ways + w]
                if e == SetAssociativeCache.empty { sawEmpty = true; continue }
                let key = e >> 1
                if Int(key & setMask) != set { out.append("set \(set) way \(w): key \(key) belongs in set \(key & setMask)") }
                if !seen.insert(key).inserted { out.append("set \(set): key \(key) present twice") }
                if policy == .lru && sawEmpty { out.append("set \(set): occupied way \(w) after an empty way under LRU") }
                if policy == .srrip && rrpv[set * ways + w] > 3 { out.append("set \(set) way \(w): RRPV above 3") }
            }
        }
        return out
    }
}
