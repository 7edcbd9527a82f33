/// The encoder's map from live heap pointer to allocation ordinal (`HeapPointerCoder`): an
/// open-addressing hash table with linear probing, made for the per-event lookups of a recording.
///
/// Behaves like `[UInt64: UInt64]` for non-zero keys (0 marks an empty slot; heap pointers in the
/// map are never null) but hashes with one multiplication instead of SipHash, allocates once, and
/// deletes by shifting the probe run back (no tombstones).
struct PointerOrdinalMap {
    private var keys: [UInt64] = []
    private var values: [UInt64] = []
    /// Entries in the map.
    private(set) var count = 0
    private var mask = 0
    private var shift: UInt64 = 64

    /// An empty map (its table is allocated on the first insertion).
    init() {}

    @inline(__always) private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The value for `key`; setting nil removes it.
    @inline(__always) subscript(key: UInt64) -> UInt64? {
        get {
            guard count > 0 else { return nil }
            var i = home(key)
            while true {
                let k = keys[i]
                if k == key { return values[i] }
                if k == 0 { return nil }
                i = (i &+ 1) & mask
            }
        }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    private mutating func insert(_ key: UInt64, _ value: UInt64) {
        precondition(key != 0, "PointerOrdinalMap: 0 is not a key")
        if (count + 1) * 2 > keys.count { grow() }
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { values[i] = value; return }
            if k == 0 { keys[i] = key; values[i] = value; count += 1; return }
            i = (i &+ 1) & mask
        }
    }

    private mutating func remove(_ key: UInt64) {
        guard count > 0 else { return }
        var i = home(key)
        while true {
            let k = keys[i]
            if k == 0 { return }
            if k == key { break }
            i = (i &+ 1) & mask
        }
        keys[i] = 0
        count -= 1
        // Move later entries of the probe run back into the hole when their home allows it.
        var j = i
        while true {
            j = (j &+ 1) & mask
            let k = keys[j]
            if k == 0 { return }
            let h = home(k)
            let stays = i <= j ? (i < h && h <= j) : (i < h || h <= j)
            if !stays {
                keys[i] = k; values[i] = values[j]; keys[j] = 0
                i = j
            }
        }
    }

    /// Doubles the table (8192 slots at first: twice the coder's window).
    private mutating func grow() {
        let old = zip(keys, values).filter { $0.0 != 0 }
        let size = max(8192, keys.count * 2)
        keys = [UInt64](repeating: 0, count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        count = 0
        for (k, v) in old { insert(k, v) }
    }

    /// Every (key, value) entry, in no particular order (for checks).
    var entries: [(key: UInt64, value: UInt64)] {
        zip(keys, values).filter { $0.0 != 0 }.map { (key: $0.0, value: $0.1) }
    }
}
