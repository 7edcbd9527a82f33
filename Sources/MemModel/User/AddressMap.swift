/// A hash map from nonzero 64-bit addresses to values, for the allocator models' hot paths:
/// open addressing with linear probing, a multiplicative (Fibonacci) hash, and backward-shift
/// deletion, so lookups cost a multiply and usually one probe (Swift's `Dictionary` hashes with
/// SipHash). Key 0 marks an empty slot. Iteration order is never exposed.
struct AddressMap<Value> {
    var keys: [UInt64]
    var values: [Value?]
    var count = 0
    var shift: UInt64

    init(capacity: Int = 64) {
        var c = 16
        while c < capacity * 2 { c <<= 1 }
        keys = [UInt64](repeating: 0, count: c)
        values = [Value?](repeating: nil, count: c)
        shift = UInt64(64 - c.trailingZeroBitCount)
    }

    @inline(__always) func slot(_ k: UInt64) -> Int { Int((k &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    subscript(key: UInt64) -> Value? {
        @inline(__always) get {
            var i = slot(key)
            let mask = keys.count - 1
            while true {
                let k = keys[i]
                if k == key { return values[i] }
                if k == 0 { return nil }
                i = (i + 1) & mask
            }
        }
        set {
            if let v = newValue { insert(key, v) } else { _ = remove(key) }
        }
    }

    mutating func insert(_ key: UInt64, _ value: Value) {
        if (count + 1) * 2 > keys.count { grow() }
        var i = slot(key)
        let mask = keys.count - 1
        while true {
            let k = keys[i]
            if k == key { values[i] = value; return }
            if k == 0 { keys[i] = key; values[i] = value; count += 1; return }
            i = (i + 1) & mask
        }
    }

    @discardableResult mutating func remove(_ key: UInt64) -> Value? {
        var i = slot(key)
        let mask = keys.count - 1
        while true {
            let k = keys[i]
            if k == 0 { return nil }
            if k == key { break }
            i = (i + 1) & mask
        }
        let old = values[i]
        count -= 1
        // Backward shift: move later entries of the probe run into the hole.
        var hole = i
        var j = (i + 1) & mask
        while keys[j] != 0 {
            let home = slot(keys[j])
            if (j > hole && (home <= hole || home > j)) || (j < hole && (home <= hole && home > j)) {
                keys[hole] = keys[j]; values[hole] = values[j]; hole = j
            }
            j = (j + 1) & mask
        }
        keys[hole] = 0; values[hole] = nil
        return old
    }

    mutating func grow() {
        let oldKeys = keys, oldValues = values
        let c = keys.count * 2
        keys = [UInt64](repeating: 0, count: c)
        values = [Value?](repeating: nil, count: c)
        shift = UInt64(64 - c.trailingZeroBitCount)
        count = 0
        for i in oldKeys.indices where oldKeys[i] != 0 { insert(oldKeys[i], oldValues[i]!) }
    }

    /// Every entry, sorted by key (for invariant checks and sums; never in hash order).
    var sortedEntries: [(key: UInt64, value: Value)] {
        keys.indices.filter { keys[$0] != 0 }.map { (keys[$0], values[$0]!) }.sorted { $0.key < $1.key }
    }
}
