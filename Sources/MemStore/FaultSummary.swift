import MemModel
import MemTrace

/// Fault rows counted exactly per (pid, VMA, phase, fault kind) during a replay: the
/// `fault_summary` table, which answers `queries/faults-by-process-vma.sql` and the fault counts of
/// `phase-summary.sql` from a few rows instead of a scan (and sort) of every `faults` row.
///
/// One count per `faults` row the store writes (`SQLiteStore.fault`), so grouping `faults` by the
/// same key gives the same numbers. Runs of faults with one key skip the hash lookup.
public struct FaultSummary: Sendable {
    /// The grouping key of one summary row.
    public struct Key: Hashable, Sendable, Comparable {
        public var pid: UInt32
        public var vma: UInt32
        /// The sequence number of the phase marker in force at the faulting event (0 before the first).
        public var phase: UInt64
        public var kind: UInt8

        public static func < (a: Key, b: Key) -> Bool {
            (a.pid, a.vma, a.phase, a.kind) < (b.pid, b.vma, b.phase, b.kind)
        }
    }

    /// The groups in order of first appearance.
    public private(set) var keys: [Key] = []
    /// Faults per group, in the order of `keys`.
    public private(set) var counts: [Int64] = []
    var index: [Key: Int] = [:]
    private var last = -1

    public init() {}

    /// Counts one fault row of `pid` in `vma`, of `kind`, at an event in `phase`.
    @inline(__always)
    public mutating func add(pid: ProcessID, vma: VMAID, phase: UInt64, kind: FaultKind) {
        let key = Key(pid: pid.rawValue, vma: vma.rawValue, phase: phase, kind: kind.rawValue)
        if last < 0 || keys[last] != key {
            if let g = index[key] {
                last = g
            } else {
                last = keys.count
                index[key] = last
                keys.append(key)
                counts.append(0)
            }
        }
        counts[last] &+= 1
    }

    /// The groups as (key, faults), ordered by key.
    public var rows: [(key: Key, faults: Int64)] {
        keys.indices.map { (keys[$0], counts[$0]) }.sorted { $0.key < $1.key }
    }

    /// Every fault counted.
    public var total: Int64 { counts.reduce(0, &+) }

    /// Every broken rule, as sentences; empty when consistent: one count per group, the index
    /// naming each group once at its position, and at least one fault per group.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        if counts.count != keys.count { return ["\(counts.count) counts for \(keys.count) groups"] }
        if index.count != keys.count { problems.append("index holds \(index.count) groups, expected \(keys.count)") }
        for (g, key) in keys.enumerated() {
            if index[key] != g { problems.append("group \(g) \(key) is indexed at \(String(describing: index[key]))") }
            if counts[g] < 1 { problems.append("group \(g) \(key) has \(counts[g]) faults") }
        }
        return problems
    }
}
