import MemModel
import MemTrace

/// Fault rows counted exactly per (pid, VMA, phase, fault kind) during a replay: the
/// `fault_summary` table, which answers `queries/faults-by-process-vma.sql` and the fault counts of
/// `phase-summary.sql` from a few rows instead of a scan (and sort) of every `faults` row.
///
/// One count per `faults` row the store writes (`SQLiteStore.fault`), so grouping `faults` by the
/// same key gives the same numbers. Runs of faults with one key skip the hash lookup (`SummaryGroups`).
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

    var groups = SummaryGroups<Key>(width: 1, placeholder: Key(pid: 0, vma: 0, phase: 0, kind: 0))

    public init() {}

    /// The groups in order of first appearance.
    public var keys: [Key] { groups.keys }
    /// Faults per group, in the order of `keys`.
    public var counts: [Int64] { groups.sums }
    /// The position of each group in `keys`.
    var index: [Key: Int] {
        get { groups.index }
        set { groups.index = newValue }
    }

    /// Counts one fault row of `pid` in `vma`, of `kind`, at an event in `phase`.
    @inline(__always)
    public mutating func add(pid: ProcessID, vma: VMAID, phase: UInt64, kind: FaultKind) {
        let g = groups.base(of: Key(pid: pid.rawValue, vma: vma.rawValue, phase: phase, kind: kind.rawValue))
        groups.sums[g] &+= 1
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
        let describe = { (g: Int, key: Key) in "group \(g) \(key)" }
        var problems = groups.structureViolations(name: describe)
        if groups.sums.count != groups.keys.count { return problems }
        for (g, key) in groups.keys.enumerated() where groups.sums[g] < 1 {
            problems.append("\(describe(g, key)) has \(groups.sums[g]) faults")
        }
        return problems
    }
}
