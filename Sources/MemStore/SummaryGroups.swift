/// Groups of `width` integer sums keyed by `Key`, in order of first appearance, found through a
/// dictionary behind a few remembered "last groups": the storage `AccessSummary`, `EventSummary`
/// and `FaultSummary` share.
///
/// A summary updated per event names a cache slot per lookup (one per access kind, say); while
/// consecutive lookups in a slot ask for the same group, no key is hashed. Only a change of group
/// costs a dictionary lookup, and a new key appends `width` zeros.
struct SummaryGroups<Key: Hashable & Sendable>: Sendable {
    /// Sums per group.
    let width: Int
    /// The groups in order of first appearance.
    private(set) var keys: [Key] = []
    /// `width` sums per group, in the order of `keys` (group `g` at `g * width`).
    var sums: [Int64] = []
    /// The position of each key in `keys`.
    var index: [Key: Int] = [:]
    /// The last group asked for in each cache slot, and its offset in `sums` (-1: none yet).
    private var lastKeys: [Key]
    private var lastBases: [Int]

    /// Empty groups of `width` sums with `caches` remembered groups; `placeholder` fills the empty
    /// cache slots (never matched: their offset is -1).
    init(width: Int, caches: Int = 1, placeholder: Key) {
        self.width = width
        lastKeys = [Key](repeating: placeholder, count: caches)
        lastBases = [Int](repeating: -1, count: caches)
    }

    /// The offset in `sums` of `key`'s group, adding it on first use; cache slot `slot` remembers it.
    @inline(__always)
    mutating func base(of key: Key, slot: Int = 0) -> Int {
        if lastBases[slot] >= 0 && lastKeys[slot] == key { return lastBases[slot] }
        let base: Int
        if let g = index[key] {
            base = g * width
        } else {
            index[key] = keys.count
            base = keys.count * width
            keys.append(key)
            sums.append(contentsOf: repeatElement(0, count: width))
        }
        lastKeys[slot] = key; lastBases[slot] = base
        return base
    }

    /// The sums of group `g`.
    func sums(ofGroup g: Int) -> ArraySlice<Int64> { sums[(g * width)..<((g + 1) * width)] }

    /// The total of one sum over every group.
    func total(_ column: Int) -> Int64 {
        stride(from: column, to: sums.count, by: width).reduce(0) { $0 &+ sums[$1] }
    }

    /// The broken rules of the storage itself, as sentences (`name` describes a group): `width`
    /// sums per group, and the index naming each group once, at its position. When the sums do not
    /// fit the groups, that is the only sentence (nothing else can be checked).
    func structureViolations(name: (Int, Key) -> String) -> [String] {
        if sums.count != keys.count * width { return ["\(sums.count) sums for \(keys.count) groups of \(width)"] }
        var problems: [String] = []
        if index.count != keys.count { problems.append("index holds \(index.count) groups, expected \(keys.count)") }
        for (g, key) in keys.enumerated() where index[key] != g {
            problems.append("\(name(g, key)) is indexed at \(String(describing: index[key]))")
        }
        return problems
    }
}
