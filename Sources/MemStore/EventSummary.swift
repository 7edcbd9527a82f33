import MemTrace

/// Events counted exactly per (pid, phase, event kind) during a replay: the `event_summary` table,
/// which answers `queries/event-mix.sql` and the per-family counts of `phase-summary.sql` from a few
/// rows instead of a scan of every event's row.
///
/// Counts every event, whatever `--rows` keeps. A group holds one count per event kind
/// (`EventKind.rawValue` < `kinds`); consecutive events of one process in one phase — nearly all of
/// them — reuse the last group without a hash lookup (`SummaryGroups`).
public struct EventSummary: Sendable {
    /// The grouping key: a process and the phase in force.
    public struct Key: Hashable, Sendable {
        public var pid: UInt32
        /// The sequence number of the phase marker in force (0 before the first): `v_phases.start_seq`.
        public var phase: UInt64
    }

    /// Counts per group: one per possible event kind id.
    public static let kinds = 64

    var groups = SummaryGroups<Key>(width: EventSummary.kinds, placeholder: Key(pid: 0, phase: 0))
    /// The phase marker in force (its sequence number; 0 before the first).
    public private(set) var phase: UInt64 = 0

    public init() {}

    /// The groups in order of first appearance.
    public var keys: [Key] { groups.keys }
    /// `kinds` counts per group, in the order of `keys`.
    public var counts: [Int64] { groups.sums }
    /// The position of each group in `keys`.
    var index: [Key: Int] {
        get { groups.index }
        set { groups.index = newValue }
    }

    /// A phase marker at `seq` starts a new phase (the marker itself counts in it).
    public mutating func startPhase(seq: UInt64) {
        phase = seq
    }

    /// Counts one event of `kind` by `pid`.
    @inline(__always)
    public mutating func add(pid: ProcessID, kind: EventKind) {
        let base = groups.base(of: Key(pid: pid.rawValue, phase: phase))
        groups.sums.withUnsafeMutableBufferPointer { $0[base + Int(kind.rawValue)] &+= 1 }
    }

    /// The non-zero counts as (pid, phase, kind, events), ordered by pid, phase and kind.
    public var rows: [(pid: UInt32, phase: UInt64, kind: UInt8, events: Int64)] {
        var out: [(pid: UInt32, phase: UInt64, kind: UInt8, events: Int64)] = []
        let keys = groups.keys, counts = groups.sums
        let order = keys.indices.sorted { (keys[$0].pid, keys[$0].phase) < (keys[$1].pid, keys[$1].phase) }
        for g in order {
            for k in 0..<EventSummary.kinds where counts[g * EventSummary.kinds + k] != 0 {
                out.append((keys[g].pid, keys[g].phase, UInt8(k), counts[g * EventSummary.kinds + k]))
            }
        }
        return out
    }

    /// Every event counted.
    public var total: Int64 { groups.sums.reduce(0, &+) }

    /// Every broken rule, as sentences; empty when consistent: `kinds` counts per group, the index
    /// naming each group once at its position, no negative count, and no group for a phase that
    /// starts after the one in force.
    public func invariantViolations() -> [String] {
        let describe = { (g: Int, key: Key) in "group \(g) (pid \(key.pid), phase \(key.phase))" }
        var problems = groups.structureViolations(name: describe)
        if groups.sums.count != groups.keys.count * EventSummary.kinds { return problems }
        for (g, key) in groups.keys.enumerated() {
            if key.phase > phase { problems.append("group \(g) is in phase \(key.phase), after the one in force (\(phase))") }
            if groups.sums(ofGroup: g).contains(where: { $0 < 0 }) { problems.append("\(describe(g, key)) has a negative count") }
        }
        return problems
    }
}
