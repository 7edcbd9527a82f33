/// One of Redis 7.0's dicts (dict.c) as far as memory goes: table 0 and, while rehashing, table 1
/// (each `size` 8-byte buckets, a power of two, from `zcalloc`), the rehash index and the count of
/// entries. Keys are placed by id: key k sits in bucket k & (size − 1), so a bucket's entries are
/// the live keys k ≡ i (mod size), enumerable without storing chains (key ids are a key's rank in
/// hash order; popularity is assigned independently of them).
struct RedisDict {
    var table0: UInt64 = 0
    var size0: UInt64 = 0
    var table1: UInt64 = 0
    var size1: UInt64 = 0
    /// The next bucket of table 0 to move, while rehashing.
    var rehashIndex: UInt64 = 0
    var used: UInt64 = 0

    var isRehashing: Bool { size1 != 0 }
    static let initialSize: UInt64 = 4
    /// `dict_force_resize_ratio`: the load that expands a table even while a child lives.
    static let forceResizeRatio: UInt64 = 5
    /// `HASHTABLE_MIN_FILL`: below this percentage serverCron shrinks a table.
    static let minFillPercent: UInt64 = 10

    /// `_dictNextExp`: the least power of two ≥ n (at least 4).
    static func nextPower(_ n: UInt64) -> UInt64 {
        var s = initialSize
        while s < n { s <<= 1 }
        return s
    }

    /// The bucket address that holds key k now (table 1 for buckets already moved).
    func bucket(_ k: UInt64) -> UInt64 {
        if isRehashing && (k & (size0 - 1)) < rehashIndex { return table1 + (k & (size1 - 1)) * 8 }
        return table0 + (k & (size0 - 1)) * 8
    }
}

extension RedisServer {
    /// `_dictExpandIfNeeded` before an add: the first table, or a bigger one when the table is
    /// full and resizing is allowed (no child) or the load passed `dict_force_resize_ratio`.
    mutating func expandIfNeeded(_ d: inout RedisDict) throws {
        if d.isRehashing { return }
        if d.size0 == 0 {
            d.size0 = RedisDict.initialSize
            d.table0 = try calloc(d.size0 * 8)
            return
        }
        let canResize = child == nil
        if d.used >= d.size0 && (canResize || d.used / d.size0 > RedisDict.forceResizeRatio) {
            try resize(&d, to: RedisDict.nextPower(d.used + 1))
        }
    }

    /// `_dictExpand`: table 1 of `size` buckets; rehashing starts at bucket 0.
    mutating func resize(_ d: inout RedisDict, to size: UInt64) throws {
        guard size != d.size0, !d.isRehashing else { return }
        d.size1 = size
        d.table1 = try calloc(size * 8)
        d.rehashIndex = 0
        if d.used == 0 { try finishRehash(&d) }
    }

    /// `dictRehash(d, n)`: moves up to n non-empty buckets of table 0 (visiting at most 10·n
    /// empty ones): reads each bucket, each entry's key and next, writes the entry's next and
    /// the bucket of table 1, clears the old bucket. Keys of `live` decide which entries exist.
    mutating func rehash(_ d: inout RedisDict, buckets n: UInt64, isExpires: Bool) throws {
        guard d.isRehashing else { return }
        var moved: UInt64 = 0, empty: UInt64 = 0
        while moved < n && d.rehashIndex < d.size0 {
            let i = d.rehashIndex
            try access(.load, d.table0 + i * 8, 8)
            var any = false
            var k = i
            while k < o.keys {
                if entryExists(k, isExpires: isExpires) {
                    any = true
                    let e = isExpires ? expireEntry[Int(k)] : entry[Int(k)]
                    do { try access(.load, e, 24); try access(.store, e + 16, 8) }
                    try access(.store, d.table1 + (k & (d.size1 - 1)) * 8, 8)
                }
                k += d.size0
            }
            d.rehashIndex += 1
            if any { try access(.store, d.table0 + i * 8, 8); moved += 1 } else {
                empty += 1
                if empty >= 10 * n { break }
            }
        }
        if d.rehashIndex >= d.size0 { try finishRehash(&d) }
    }

    /// Rehash done: table 0 freed, table 1 becomes table 0.
    mutating func finishRehash(_ d: inout RedisDict) throws {
        try free(d.table0, d.size0 * 8)
        d.table0 = d.table1; d.size0 = d.size1
        d.table1 = 0; d.size1 = 0; d.rehashIndex = 0
    }

    @inline(__always) func entryExists(_ k: UInt64, isExpires: Bool) -> Bool {
        isExpires ? (!expireAt.isEmpty && expireAt[Int(k)] != 0) : entry[Int(k)] != 0
    }

    /// `_dictRehashStep`: one bucket, on every add, find and delete while rehashing.
    @inline(__always) mutating func rehashStep(isExpires: Bool) throws {
        if isExpires {
            if expires.isRehashing { var d = expires; try rehash(&d, buckets: 1, isExpires: true); expires = d }
        } else if main.isRehashing {
            var d = main; try rehash(&d, buckets: 1, isExpires: false); main = d
        }
    }

    /// serverCron's `databasesCron` without a child: shrink tables below 10% fill
    /// (`tryResizeHashTables`), then rehash for its time budget (`incrementallyRehash`).
    mutating func cronDicts() throws {
        guard child == nil else { return }
        for isExpires in [false, true] {
            var d = isExpires ? expires : main
            if !d.isRehashing && d.size0 > RedisDict.initialSize && d.used * 100 / d.size0 < RedisDict.minFillPercent {
                try resize(&d, to: RedisDict.nextPower(d.used))
            }
            if d.isRehashing { try rehash(&d, buckets: o.cronRehashBuckets, isExpires: isExpires) }
            if isExpires { expires = d } else { main = d }
        }
    }
}
