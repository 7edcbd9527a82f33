/// The interval map from a process's recorded blocks to the model's blocks: recorded start →
/// (model start, size), with lookups by exact start (free, realloc) and by any address inside a
/// block (loads and stores in re-allocated replay).
///
/// Blocks under 64 KiB are indexed by every 4 KiB page they cover; larger ones sit in an array
/// sorted by start and are found by binary search.
public struct BlockTranslation: Sendable {
    public struct Block: Hashable, Sendable { public var model: UInt64; public var size: UInt64 }
    static let smallLimit: UInt64 = 64 << 10

    public private(set) var blocks: [UInt64: Block] = [:]
    /// Maintain the containment index (only re-allocated replay needs it).
    let indexed: Bool
    var pages: [UInt64: [UInt64]] = [:]
    var large: [UInt64] = []

    public init(indexed: Bool) { self.indexed = indexed }

    public var count: Int { blocks.count }
    public subscript(recorded: UInt64) -> Block? { blocks[recorded] }

    /// Records that the block the trace placed at `recorded` is the model's block at `model`.
    public mutating func insert(recorded: UInt64, model: UInt64, size: UInt64) {
        if blocks[recorded] != nil { remove(recorded) }
        blocks[recorded] = Block(model: model, size: size)
        guard indexed else { return }
        if size >= BlockTranslation.smallLimit {
            large.insert(recorded, at: lowerBound(recorded))
        } else {
            var p = recorded >> 12
            // A damaged trace may place a block at the top of the address space: stop at its end.
            let last = (recorded > UInt64.max - max(size, 1) ? UInt64.max : recorded + max(size, 1) - 1) >> 12
            while p <= last { pages[p, default: []].append(recorded); p += 1 }
        }
    }

    /// Forgets the block recorded at `recorded`; returns it.
    @discardableResult public mutating func remove(_ recorded: UInt64) -> Block? {
        guard let b = blocks.removeValue(forKey: recorded) else { return nil }
        guard indexed else { return b }
        if b.size >= BlockTranslation.smallLimit {
            let i = lowerBound(recorded)
            if i < large.count && large[i] == recorded { large.remove(at: i) }
        } else {
            var p = recorded >> 12
            let last = (recorded > UInt64.max - max(b.size, 1) ? UInt64.max : recorded + max(b.size, 1) - 1) >> 12
            while p <= last {
                if var list = pages[p], let i = list.firstIndex(of: recorded) {
                    list.swapAt(i, list.count - 1); list.removeLast()
                    pages[p] = list.isEmpty ? nil : list
                }
                p += 1
            }
        }
        return b
    }

    /// The model's address for recorded address `a`: inside a live recorded block it moves with
    /// the block; anywhere else it is unchanged.
    public func translate(_ a: UInt64) -> UInt64 {
        if let list = pages[a >> 12] {
            for start in list {
                let b = blocks[start]!
                if a >= start && a < start + max(b.size, 1) { return b.model &+ (a - start) }
            }
        }
        if !large.isEmpty {
            let i = lowerBound(a + 1)
            if i > 0 {
                let start = large[i - 1]
                let b = blocks[start]!
                if a < start + b.size { return b.model &+ (a - start) }
            }
        }
        return a
    }

    func lowerBound(_ x: UInt64) -> Int {
        var lo = 0, hi = large.count
        while lo < hi { let m = (lo + hi) / 2; if large[m] < x { lo = m + 1 } else { hi = m } }
        return lo
    }

    /// Broken invariants: every indexed page lists only blocks covering it; large blocks sorted.
    public func invariantViolations() -> [String] {
        var v: [String] = []
        guard indexed else { return v }
        for (page, list) in pages {
            for s in list {
                guard let b = blocks[s] else { v.append("page \(page) lists a removed block"); continue }
                if s >> 12 > page || (s + max(b.size, 1) - 1) >> 12 < page { v.append("page \(page) lists a block not on it") }
            }
        }
        if large != large.sorted() { v.append("large blocks out of order") }
        for s in large where blocks[s] == nil { v.append("large index holds a removed block") }
        return v
    }
}
