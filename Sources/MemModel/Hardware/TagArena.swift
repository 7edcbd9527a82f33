/// The shape of one tag array in a `TagArena`: sets × ways, policy and random seed. Zero ways
/// makes an absent array (it holds nothing).
struct TagShape {
    var sets: Int
    var ways: Int
    var policy: ReplacementPolicy
    var seed: UInt64

    init(sets: Int, ways: Int, policy: ReplacementPolicy = .lru, seed: UInt64 = 1) {
        precondition(sets > 0 && sets & (sets - 1) == 0, "sets must be a power of two")
        precondition(ways >= 0)
        self.sets = sets; self.ways = ways
        // Tree-PLRU needs power-of-two ways; anything else falls back to LRU.
        self.policy = (policy == .treePLRU && (ways & (ways - 1)) != 0) ? .lru : policy
        self.seed = seed
    }

    /// An absent array.
    static let absent = TagShape(sets: 1, ways: 0)

    /// Words of slots: an absent array keeps one always-empty word, so a probe of its first slot
    /// reads "empty" and misses.
    var slotWords: Int { ways == 0 ? 1 : sets * ways }
}

/// Owns the memory of a fixed set of tag arrays and of `extras` (per-array or per-level state of
/// the owner), allocated once; `arrays[i]` views array i. A final class whose fields are all
/// constants, so reaching a tag costs two loads and no exclusivity or uniqueness checks; the
/// owning value type (`SetAssociativeCache`, `MMU`, `MemoryHierarchy`) keeps value semantics by
/// copying the arena (`copy()`) before mutating a shared one.
final class TagArena<Extra>: @unchecked Sendable {
    let words: UnsafeMutablePointer<UInt64>
    let wordCount: Int
    let bytes: UnsafeMutablePointer<UInt8>
    let byteCount: Int
    let arrays: UnsafeMutablePointer<TagArray>
    let count: Int
    let extras: UnsafeMutablePointer<Extra>
    let extraCount: Int

    /// Arrays of `shapes` (all empty) and `extras`.
    init(_ shapes: [TagShape], extras: [Extra] = []) {
        var words = 0, bytes = 0
        for s in shapes {
            words += s.slotWords + 1 + (s.policy == .treePLRU ? s.sets : 0)
            if s.policy == .srrip { bytes += s.sets * s.ways }
        }
        wordCount = words; byteCount = bytes
        self.words = .allocate(capacity: max(1, words))
        self.bytes = .allocate(capacity: max(1, bytes))
        self.words.initialize(repeating: TagArray.empty, count: max(1, words))
        self.bytes.initialize(repeating: 3, count: max(1, bytes))
        count = shapes.count
        arrays = .allocate(capacity: max(1, shapes.count))
        var w = 0, b = 0
        for (i, s) in shapes.enumerated() {
            let slots = self.words + w
            w += s.slotWords
            let random = self.words + w
            random.pointee = s.seed
            w += 1
            let plru = self.words + w
            if s.policy == .treePLRU { plru.update(repeating: 0, count: s.sets); w += s.sets }
            let rrpv = self.bytes + b
            if s.policy == .srrip { b += s.sets * s.ways }
            (arrays + i).initialize(to: TagArray(slots: slots, plru: plru, rrpv: rrpv, random: random,
                                                 sets: s.sets, ways: s.ways, policy: s.policy))
        }
        extraCount = extras.count
        self.extras = .allocate(capacity: max(1, extras.count))
        for (i, e) in extras.enumerated() { (self.extras + i).initialize(to: e) }
    }

    /// A deep copy: the same arrays and extras in new memory.
    init(copying other: TagArena) {
        wordCount = other.wordCount; byteCount = other.byteCount; count = other.count; extraCount = other.extraCount
        let w = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, wordCount))
        w.initialize(from: other.words, count: max(1, wordCount))
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, byteCount))
        b.initialize(from: other.bytes, count: max(1, byteCount))
        words = w; bytes = b
        arrays = .allocate(capacity: max(1, count))
        func rebase(_ p: UnsafeMutablePointer<UInt64>) -> UnsafeMutablePointer<UInt64> { w + (p - other.words) }
        for i in 0..<count {
            let a = other.arrays[i]
            (arrays + i).initialize(to: TagArray(slots: rebase(a.slots), plru: rebase(a.plru), rrpv: b + (a.rrpv - other.bytes),
                                                 random: rebase(a.random), sets: a.sets, ways: a.ways, policy: a.policy))
        }
        extras = .allocate(capacity: max(1, extraCount))
        extras.initialize(from: other.extras, count: extraCount)
    }

    /// A deep copy of this arena.
    func copy() -> TagArena { TagArena(copying: self) }

    deinit {
        words.deinitialize(count: max(1, wordCount)); words.deallocate()
        bytes.deinitialize(count: max(1, byteCount)); bytes.deallocate()
        arrays.deinitialize(count: count); arrays.deallocate()
        extras.deinitialize(count: extraCount); extras.deallocate()
    }
}
