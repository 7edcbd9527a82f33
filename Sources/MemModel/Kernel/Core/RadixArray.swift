/// A sparse array indexed by `UInt64` keys, shaped as the kernel's xarray (lib/xarray.c): a tree of
/// 64-slot nodes whose height grows with the largest key (`xas_expand`), walked by six key bits
/// per level (`xas_descend`), so a lookup is a few array reads and no hashing.
///
/// The kernel keeps a file's page cache and shadow entries in one (`address_space->i_pages`,
/// indexed by page offset), the swap cache likewise by swap offset; the model keeps each file's
/// pages and shadow entries, a page table's PTE pages and swap entries, and the file table's
/// index map here. Nodes live in two flat arrays (inner nodes: 64 child numbers each, −1 for
/// none; leaves: 64 optional values each) with no references, so the structure is a value type
/// that copies as the kernel model does. A leaf emptied by a removal is unlinked from its parent
/// and reused by the next insertion (`xas_delete_node` frees it); the whole tree resets when its
/// last entry goes. Iteration runs in ascending key order, as `xa_for_each` does.
/// `invariantViolations()` checks the shape.
public struct RadixArray<Value: Sendable>: Sendable {
    /// Key bits consumed per level (XA_CHUNK_SHIFT, 6 in the kernel; 9 for the page tables'
    /// indices, as a hardware page-table level has 512 entries).
    @usableFromInline let shift: UInt64
    /// Slots per node minus one (XA_CHUNK_MASK).
    @usableFromInline let mask: UInt64
    /// Slots per node (XA_CHUNK_SIZE).
    @usableFromInline var fanout: Int { Int(mask) + 1 }

    /// Inner nodes: `fanout` child numbers per node; at the level above the leaves a child is a leaf number.
    @usableFromInline var inner: ContiguousArray<Int32> = []
    /// Leaves: `fanout` value slots per leaf.
    @usableFromInline var leaves: ContiguousArray<Value?> = []
    /// Entries held by each leaf.
    @usableFromInline var leafCounts: ContiguousArray<UInt16> = []
    /// Leaves unlinked when they emptied, for reuse.
    @usableFromInline var freeLeaves: [Int32] = []
    /// Levels of the tree: 0 when empty, 1 when the root is a leaf; keys below 2^(shift·height) fit.
    @usableFromInline var height = 0
    /// The root: a leaf when `height` is 1, an inner node above; −1 when empty.
    @usableFromInline var root: Int32 = -1
    /// Entries present.
    @inlinable public var count: Int { entryCount }
    @usableFromInline var entryCount = 0

    /// An empty array whose nodes have 2^`bits` slots (1 to 12; the kernel's xarray has 6).
    public init(bits: Int = 6) {
        precondition((1...12).contains(bits), "a radix node has 2^1 to 2^12 slots")
        shift = UInt64(bits)
        mask = (1 << UInt64(bits)) - 1
    }

    /// True when no entry is present.
    @inlinable public var isEmpty: Bool { count == 0 }

    /// True when `key` is below the tree's reach (2^(shift·height)).
    @inlinable func fits(_ key: UInt64) -> Bool {
        let bits = UInt64(height) &* shift
        return bits >= 64 || key >> bits == 0
    }

    /// The leaf holding `key`'s slot, or −1 when no leaf covers it.
    @inlinable func leaf(of key: UInt64) -> Int32 {
        guard height > 0, fits(key) else { return -1 }
        var node = root
        var level = height - 1
        while level > 0 {
            node = inner[Int(node) << shift | Int((key >> (UInt64(level) &* shift)) & mask)]
            if node < 0 { return -1 }
            level -= 1
        }
        return node
    }

    /// The value at `key`; setting nil removes it.
    @inlinable public subscript(key: UInt64) -> Value? {
        get {
            let l = leaf(of: key)
            return l < 0 ? nil : leaves[Int(l) << shift | Int(key & mask)]
        }
        set {
            if let v = newValue { _ = updateValue(v, forKey: key) } else { _ = removeValue(forKey: key) }
        }
    }

    /// Stores `value` at `key` (`xa_store`); returns the value it replaced.
    @inlinable @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: UInt64) -> Value? {
        var l = leaf(of: key)
        if l < 0 { l = makePath(to: key) }
        let i = Int(l) << shift | Int(key & mask)
        let old = leaves[i]
        leaves[i] = value
        if old == nil { leafCounts[Int(l)] += 1; entryCount += 1 }
        return old
    }

    /// Removes the value at `key` (`xa_erase`); returns it.
    @inlinable @discardableResult
    public mutating func removeValue(forKey key: UInt64) -> Value? {
        guard height > 0, fits(key) else { return nil }
        var node = root
        var parentSlot = -1
        var level = height - 1
        while level > 0 {
            parentSlot = Int(node) << shift | Int((key >> (UInt64(level) &* shift)) & mask)
            node = inner[parentSlot]
            if node < 0 { return nil }
            level -= 1
        }
        let i = Int(node) << shift | Int(key & mask)
        guard let old = leaves[i] else { return nil }
        leaves[i] = nil
        entryCount -= 1
        leafCounts[Int(node)] -= 1
        if count == 0 { removeAll(); return old }
        if leafCounts[Int(node)] == 0 && parentSlot >= 0 {
            inner[parentSlot] = -1
            freeLeaves.append(node)
        }
        return old
    }

    /// Drops every entry and node.
    public mutating func removeAll() {
        inner.removeAll(keepingCapacity: true)
        leaves.removeAll(keepingCapacity: true)
        leafCounts.removeAll(keepingCapacity: true)
        freeLeaves.removeAll(keepingCapacity: true)
        height = 0
        root = -1
        entryCount = 0
    }

    /// Grows the tree to reach `key` (`xas_expand`) and creates the missing nodes on its path
    /// (`xas_create`); returns the leaf.
    @usableFromInline mutating func makePath(to key: UInt64) -> Int32 {
        if height == 0 {
            height = 1
            while !fits(key) { height += 1 }
            root = height == 1 ? newLeaf() : newInner()
        }
        while !fits(key) {
            let n = newInner()
            inner[Int(n) << shift] = root
            root = n
            height += 1
        }
        if height == 1 { return root }
        var node = root
        var level = height - 1
        while true {
            let slot = Int(node) << shift | Int((key >> (UInt64(level) &* shift)) & mask)
            if inner[slot] < 0 { inner[slot] = level == 1 ? newLeaf() : newInner() }
            node = inner[slot]
            if level == 1 { return node }
            level -= 1
        }
    }

    @usableFromInline mutating func newInner() -> Int32 {
        let n = Int32(inner.count >> shift)
        inner.append(contentsOf: repeatElement(-1, count: fanout))
        return n
    }

    @usableFromInline mutating func newLeaf() -> Int32 {
        if let l = freeLeaves.popLast() { return l }
        let n = Int32(leafCounts.count)
        leaves.append(contentsOf: repeatElement(nil, count: fanout))
        leafCounts.append(0)
        return n
    }

    // MARK: Walks

    /// Calls `body` with every entry in ascending key order (`xa_for_each`).
    public func forEach(_ body: (UInt64, Value) throws -> Void) rethrows {
        guard height > 0 else { return }
        try walk(root, level: height - 1, base: 0, body)
    }

    private func walk(_ node: Int32, level: Int, base: UInt64, _ body: (UInt64, Value) throws -> Void) rethrows {
        if level == 0 {
            let first = Int(node) << shift
            for s in 0..<fanout { if let v = leaves[first + s] { try body(base | UInt64(s), v) } }
            return
        }
        let bits = UInt64(level) &* shift
        for s in 0..<fanout {
            let child = inner[Int(node) << shift | s]
            if child >= 0 { try walk(child, level: level - 1, base: base | UInt64(s) << bits, body) }
        }
    }

    /// The entries in ascending key order.
    public var entries: [(key: UInt64, value: Value)] {
        var out: [(key: UInt64, value: Value)] = []
        out.reserveCapacity(count)
        forEach { out.append(($0, $1)) }
        return out
    }

    /// The keys present, ascending.
    public var keys: [UInt64] { entries.map(\.key) }

    /// The values present, by ascending key.
    public var values: [Value] { entries.map(\.value) }

    /// The entries with a key in `range`, ascending.
    public func entries(in range: Range<UInt64>) -> [(key: UInt64, value: Value)] {
        guard !range.isEmpty, !isEmpty else { return [] }
        if range.upperBound - range.lowerBound < UInt64(count) {
            return range.compactMap { k in self[k].map { (k, $0) } }
        }
        return entries.filter { range.contains($0.key) }
    }

    /// Removes every entry whose key is `first` or above (the tail `xa_erase`d by truncation).
    public mutating func removeAll(from first: UInt64) {
        for k in keys where k >= first { removeValue(forKey: k) }
    }
}

extension RadixArray: Sequence {
    public func makeIterator() -> IndexingIterator<[(key: UInt64, value: Value)]> { entries.makeIterator() }
}

extension RadixArray: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (UInt64, Value)...) {
        self.init(bits: 6)
        for (k, v) in elements { self[k] = v }
    }
}

extension RadixArray: Equatable where Value: Equatable {
    /// Equal when the same keys hold equal values, whatever the node layout.
    public static func == (a: RadixArray, b: RadixArray) -> Bool {
        // The node width is a layout choice, not part of the value.
        guard a.count == b.count else { return false }
        return a.entries.elementsEqual(b.entries) { $0.key == $1.key && $0.value == $1.value }
    }
}

extension RadixArray: Hashable where Value: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        forEach { hasher.combine($0); hasher.combine($1) }
    }
}
