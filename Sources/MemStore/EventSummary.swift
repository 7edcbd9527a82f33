import MemTrace

/// Events counted exactly per (pid, phase, event kind) during a replay: the `event_summary` table,
/// which answers `queries/event-mix.sql` and the per-family counts of `phase-summary.sql` from a few
/// rows instead of a scan of every event's row.
///
/// Counts every event, whatever `--rows` keeps. A group holds one count per event kind
/// (`EventKind.rawValue` < `kinds`); consecutive events of one process in one phase — nearly all of
/// them — reuse the last group without a hash lookup.
public struct EventSummary: Sendable {
    /// The grouping key: a process and the phase in force.
    public struct Key: Hashable, Sendable {
        public var pid: UInt32
        /// The sequence number of the phase marker in force (0 before the first): `v_phases.start_seq`.
        public var phase: UInt64
    }

    /// Counts per group: one per possible event kind id.
    public static let kinds = 64

    /// The groups in order of first appearance.
    public private(set) var keys: [Key] = []
    /// `kinds` counts per group, in the order of `keys`.
    public private(set) var counts: [Int64] = []
    var index: [Key: Int] = [:]
    /// The phase marker in force (its sequence number; 0 before the first).
    public private(set) var phase: UInt64 = 0
    private var lastKey = Key(pid: 0, phase: 0)
    private var lastBase = -1

    public init() {}

    /// A phase marker at `seq` starts a new phase (the marker itself counts in it).
    public mutating func startPhase(seq: UInt64) {
        phase = seq
        lastBase = -1
    }

    /// Counts one event of `kind` by `pid`.
    @inline(__always)
    public mutating func add(pid: ProcessID, kind: EventKind) {
        let base: Int
        if lastBase >= 0 && lastKey.pid == pid.rawValue {
            base = lastBase
        } else {
            base = slot(for: Key(pid: pid.rawValue, phase: phase))
        }
        counts.withUnsafeMutableBufferPointer { $0[base + Int(kind.rawValue)] &+= 1 }
    }

    private mutating func slot(for key: Key) -> Int {
        let base: Int
        if let g = index[key] {
            base = g * EventSummary.kinds
        } else {
            index[key] = keys.count
            base = keys.count * EventSummary.kinds
            keys.append(key)
            counts.append(contentsOf: repeatElement(0, count: EventSummary.kinds))
        }
        lastKey = key; lastBase = base
        return base
    }

    /// The non-zero counts as (pid, phase, kind, events), ordered by pid, phase and kind.
    public var rows: [(pid: UInt32, phase: UInt64, kind: UInt8, events: Int64)] {
        var out: [(pid: UInt32, phase: UInt64, kind: UInt8, events: Int64)] = []
        let order = keys.indices.sorted { (keys[$0].pid, keys[$0].phase) < (keys[$1].pid, keys[$1].phase) }
        for g in order {
            for k in 0..<EventSummary.kinds where counts[g * EventSummary.kinds + k] != 0 {
                out.append((keys[g].pid, keys[g].phase, UInt8(k), counts[g * EventSummary.kinds + k]))
            }
        }
        return out
    }

    /// Every event counted.
    public var total: Int64 { counts.reduce(0, &+) }

    /// Every broken rule, as sentences; empty when consistent: `kinds` counts per group, the index
    /// naming each group once at its position, no negative count, and no group for a phase that
    /// starts after the one in force.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        if counts.count != keys.count * EventSummary.kinds {
            return ["\(counts.count) counts for \(keys.count) groups of \(EventSummary.kinds)"]
        }
        if index.count != keys.count { problems.append("index holds \(index.count) groups, expected \(keys.count)") }
        for (g, key) in keys.enumerated() {
            if index[key] != g { problems.append("group \(g) (pid \(key.pid), phase \(key.phase)) is indexed at \(String(describing: index[key]))") }
            if key.phase > phase { problems.append("group \(g) is in phase \(key.phase), after the one in force (\(phase))") }
            if counts[(g * EventSummary.kinds)..<((g + 1) * EventSummary.kinds)].contains(where: { $0 < 0 }) {
                problems.append("group \(g) (pid \(key.pid), phase \(key.phase)) has a negative count")
            }
        }
        return problems
    }
}
