/// One set-associative array of tags seen through raw pointers into a `TagArena`: the replacement
/// policies of `SetAssociativeCache` without arrays, optionals or uniqueness checks, for the hot path.
///
/// Keys ("lines") are block numbers (address >> line bits) or any value below 2^63; the set is
/// `key & (sets − 1)` and the whole key is kept as the tag, as valgrind's `cachesim_ref_is_miss`
/// (cachegrind/cg_sim.c) does. Each slot holds `key << 1 | dirty`, `TagArray.empty` when empty.
/// Under LRU a set's slots are kept most-recent first and a hit moves its tag to the front, exactly
/// as cachegrind's `cachesim_setref_is_miss`, so the empty slots of a set always come last; the
/// other policies keep slots in place with their per-set state (PLRU bits, 2-bit RRPVs, a seeded
/// SplitMix64 stream). An array with zero ways is absent: it holds nothing and never allocates.
///
/// A `TagArray` does not own its memory; its arena does, and mutating through it needs the
/// arena to be uniquely referenced (the owners check that once per operation).
struct TagArray {
    let slots: UnsafeMutablePointer<UInt64>
    /// Tree-PLRU bits per set (tree-PLRU only).
    let plru: UnsafeMutablePointer<UInt64>
    /// SRRIP re-reference prediction values per slot (SRRIP only).
    let rrpv: UnsafeMutablePointer<UInt8>
    /// The random policy's SplitMix64 state (one word).
    let random: UnsafeMutablePointer<UInt64>
    let setMask: UInt64
    let sets: Int
    let ways: Int
    let policy: ReplacementPolicy

    static let empty = UInt64.max

    init(slots: UnsafeMutablePointer<UInt64>, plru: UnsafeMutablePointer<UInt64>, rrpv: UnsafeMutablePointer<UInt8>,
         random: UnsafeMutablePointer<UInt64>, sets: Int, ways: Int, policy: ReplacementPolicy) {
        self.slots = slots; self.plru = plru; self.rrpv = rrpv; self.random = random
        self.sets = sets; self.ways = ways; self.policy = policy
        setMask = UInt64(sets - 1)
    }

    var isPresent: Bool { ways != 0 }

    /// Looks `key` up; on a miss installs it (when `allocate`), evicting the policy's victim. A
    /// write (`dirty`) marks the line dirty.
    @inline(__always)
    func access(_ key: UInt64, dirty: Bool = false, allocate: Bool = true) -> CacheProbe {
        if policy == .lru { return accessLRU(key, dirty: dirty, allocate: allocate) }
        if ways == 0 { return CacheProbe(hit: false) }
        return accessFixed(Int(key & setMask) &* ways, key << 1, dirty: dirty, allocate: allocate)
    }

    /// `access` under true LRU (cachegrind's move-to-front). The search stops at the first empty
    /// slot (the rest of the set is empty too); a fill shifts only the occupied prefix.
    @inline(__always)
    func accessLRU(_ key: UInt64, dirty: Bool, allocate: Bool) -> CacheProbe {
        let s = slots + (Int(key & setMask) &* ways)
        let want = key << 1
        let first = s[0]
        if first | 1 == want | 1 {
            if dirty { s[0] = first | 1 }
            return CacheProbe(hit: true)
        }
        return TagArray.accessLRUSlow(s, ways: ways, want, first: first, dirty: dirty, allocate: allocate)
    }

    /// The part of an LRU access past the most-recent slot.
    static func accessLRUSlow(_ s: UnsafeMutablePointer<UInt64>, ways: Int, _ want: UInt64, first: UInt64, dirty: Bool, allocate: Bool) -> CacheProbe {
        if ways == 0 { return CacheProbe(hit: false) }
        let i = first == TagArray.empty ? -1 : TagArray.find(s, ways, want | 1)
        if i >= 0 {
            let e = s[i]
            var j = i
            while j > 0 { s[j] = s[j &- 1]; j &-= 1 }
            s[0] = dirty ? e | 1 : e
            return CacheProbe(hit: true)
        }
        guard allocate else { return CacheProbe(hit: false) }
        // The victim: the last way when the set is full, else the first empty way (the empty
        // ways of an LRU set are its tail); only the occupied prefix shifts.
        var end = ways &- 1
        if s[end] == TagArray.empty {
            end = 0
            while s[end] != TagArray.empty { end &+= 1 }
        }
        let victim = s[end]
        var j = end
        while j > 0 { s[j] = s[j &- 1]; j &-= 1 }
        s[0] = dirty ? want | 1 : want
        if victim == TagArray.empty { return CacheProbe(hit: false) }
        return CacheProbe(hit: false, evicted: victim >> 1, evictedDirty: victim & 1 == 1)
    }

    /// The index of the slot among `ways` at `s` whose tag is `want1` (a key shifted left with
    /// the dirty bit set, so the dirty bit is ignored), or −1; four slots per step.
    @inline(__always)
    static func find(_ s: UnsafeMutablePointer<UInt64>, _ ways: Int, _ want1: UInt64) -> Int {
        var i = 0
        while i &+ 4 <= ways {
            let a = s[i] | 1 == want1, b = s[i &+ 1] | 1 == want1
            let c = s[i &+ 2] | 1 == want1, d = s[i &+ 3] | 1 == want1
            if a || b || c || d { return a ? i : (b ? i &+ 1 : (c ? i &+ 2 : i &+ 3)) }
            i &+= 4
        }
        while i < ways {
            if s[i] | 1 == want1 { return i }
            i &+= 1
        }
        return -1
    }

    /// `access` for the policies that keep slots in place.
    func accessFixed(_ base: Int, _ want: UInt64, dirty: Bool, allocate: Bool) -> CacheProbe {
        let i = TagArray.find(slots + base, ways, want | 1)
        if i >= 0 {
            if dirty { slots[base &+ i] |= 1 }
            touch(base, i)
            return CacheProbe(hit: true)
        }
        guard allocate else { return CacheProbe(hit: false) }
        let w = victimWay(base)
        let victim = slots[base + w]
        slots[base + w] = dirty ? want | 1 : want
        if policy == .srrip { rrpv[base + w] = 2 } else { touch(base, w) }
        if victim == TagArray.empty { return CacheProbe(hit: false) }
        return CacheProbe(hit: false, evicted: victim >> 1, evictedDirty: victim & 1 == 1)
    }

    /// Records a use of way `w` in the set at `base`.
    func touch(_ base: Int, _ w: Int) {
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
    func victimWay(_ base: Int) -> Int {
        for i in 0..<ways where slots[base + i] == TagArray.empty { return i }
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
            // SRRIP ages every way until one reaches 3 and takes the first such way: in one pass,
            // the first way with the largest RRPV, after adding 3 − that RRPV to every way.
            let r = rrpv + base
            var victim = 0, top = r[0]
            for i in 1..<ways where r[i] > top { top = r[i]; victim = i }
            if top < 3 {
                let add = 3 &- top
                for i in 0..<ways { r[i] &+= add }
            }
            return victim
        case .random:
            random.pointee &+= 0x9E37_79B9_7F4A_7C15
            var z = random.pointee
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(ways))
        case .lru:
            return ways - 1
        }
    }

    /// True when `key` is present (no state changes).
    @inline(__always)
    func contains(_ key: UInt64) -> Bool {
        let s = slots + (Int(key & setMask) &* ways)
        let want = key << 1
        var i = 0
        while i < ways {
            let e = s[i]
            if e | 1 == want | 1 { return true }
            if e == TagArray.empty && policy == .lru { return false }
            i &+= 1
        }
        return false
    }

    /// Removes `key`; returns whether it was present and whether it was dirty.
    @discardableResult
    func remove(_ key: UInt64) -> (present: Bool, dirty: Bool) {
        let base = Int(key & setMask) &* ways
        let want = key << 1
        for i in 0..<ways where slots[base + i] | 1 == want | 1 {
            let dirty = slots[base + i] & 1 == 1
            if policy == .lru {
                // Keep recency order: close the gap, the empty slot goes last.
                for j in i..<(ways - 1) { slots[base + j] = slots[base + j + 1] }
                slots[base + ways - 1] = TagArray.empty
            } else {
                slots[base + i] = TagArray.empty
                if policy == .srrip { rrpv[base + i] = 3 }
            }
            return (true, dirty)
        }
        return (false, false)
    }

    /// Marks a present `key` dirty without changing recency; false when absent.
    @discardableResult
    func markDirty(_ key: UInt64) -> Bool {
        let base = Int(key & setMask) &* ways
        let want = key << 1
        for i in 0..<ways where slots[base + i] | 1 == want | 1 { slots[base + i] |= 1; return true }
        return false
    }

    /// Removes every key for which `predicate` holds; returns how many were removed.
    @discardableResult
    func removeAll(where predicate: (UInt64) -> Bool) -> Int {
        var keys: [UInt64] = []
        for i in 0..<(sets * ways) where slots[i] != TagArray.empty && predicate(slots[i] >> 1) { keys.append(slots[i] >> 1) }
        for k in keys { remove(k) }
        return keys.count
    }

    /// Empties every set.
    func clear() {
        let n = sets * ways
        slots.update(repeating: TagArray.empty, count: n)
        if policy == .srrip { rrpv.update(repeating: 3, count: n) }
        if policy == .treePLRU { plru.update(repeating: 0, count: sets) }
    }

    /// The keys present, set by set (LRU: most recent first within a set).
    var keys: [UInt64] {
        (0..<(sets * ways)).compactMap { slots[$0] == TagArray.empty ? nil : slots[$0] >> 1 }
    }

    /// Number of occupied entries.
    var occupancy: Int { (0..<(sets * ways)).reduce(0) { $0 + (slots[$1] == TagArray.empty ? 0 : 1) } }

    /// Broken invariants: every key lives in the set its low bits name, no key twice in a set,
    /// under LRU the empty slots of a set come after the occupied ones, RRPVs within 0…3.
    func invariantViolations() -> [String] {
        var out: [String] = []
        for set in 0..<(ways == 0 ? 0 : sets) {
            var seen = Set<UInt64>()
            var sawEmpty = false
            for w in 0..<ways {
                let e = slots[set * ways + w]
                if e == TagArray.empty { sawEmpty = true; continue }
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

/// The hot operations on a view in place (`arena.arrays + i`): they read only the fields they
/// need instead of copying the whole view first.
extension UnsafeMutablePointer where Pointee == TagArray {
    /// `TagArray.access`.
    @inline(__always)
    func access(_ key: UInt64, dirty: Bool = false, allocate: Bool = true) -> CacheProbe {
        if pointee.policy == .lru {
            let ways = pointee.ways
            let s = pointee.slots + (Int(key & pointee.setMask) &* ways)
            let want = key << 1
            let first = s[0]
            if first | 1 == want | 1 {
                if dirty { s[0] = first | 1 }
                return CacheProbe(hit: true)
            }
            if first == TagArray.empty && !allocate { return CacheProbe(hit: false) }
            return TagArray.accessLRUSlow(s, ways: ways, want, first: first, dirty: dirty, allocate: allocate)
        }
        return pointee.access(key, dirty: dirty, allocate: allocate)
    }

    /// `TagArray.contains`.
    @inline(__always)
    func contains(_ key: UInt64) -> Bool {
        let ways = pointee.ways
        let s = pointee.slots + (Int(key & pointee.setMask) &* ways)
        let want = key << 1
        // An LRU set whose most-recent slot is empty is empty.
        if pointee.policy == .lru && s[0] == TagArray.empty { return false }
        return TagArray.find(s, ways, want | 1) >= 0
    }

    /// `TagArray.remove`, in place.
    @inline(__always) @discardableResult
    func remove(_ key: UInt64) -> (present: Bool, dirty: Bool) {
        let ways = pointee.ways
        let base = Int(key & pointee.setMask) &* ways
        let s = pointee.slots + base
        let lru = pointee.policy == .lru
        if lru && s[0] == TagArray.empty { return (false, false) }
        let i = TagArray.find(s, ways, key << 1 | 1)
        if i < 0 { return (false, false) }
        let dirty = s[i] & 1 == 1
        if lru {
            // Keep recency order: close the gap, the empty slot goes last.
            var j = i
            while j < ways &- 1 { s[j] = s[j &+ 1]; j &+= 1 }
            s[ways &- 1] = TagArray.empty
        } else {
            s[i] = TagArray.empty
            if pointee.policy == .srrip { pointee.rrpv[base &+ i] = 3 }
        }
        return (true, dirty)
    }

    /// `TagArray.markDirty`.
    @inline(__always) @discardableResult
    func markDirty(_ key: UInt64) -> Bool {
        let ways = pointee.ways
        let s = pointee.slots + (Int(key & pointee.setMask) &* ways)
        let want = key << 1
        var i = 0
        while i < ways {
            if s[i] | 1 == want | 1 { s[i] |= 1; return true }
            i &+= 1
        }
        return false
    }
}
