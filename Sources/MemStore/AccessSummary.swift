import MemModel
import MemTrace

/// Access outcomes aggregated exactly per (pid, VMA, phase, access kind, fault kind): what
/// `access_summary` holds when a replay keeps no per-access rows (`--rows` without `access`).
///
/// Each group keeps `width` integer sums in `sums` (group `g` at `g * width`): the accesses, their
/// bytes, and of the accesses the hardware model handled (those with an `hw_accesses` row in a
/// full run) their number, their count per TLB outcome, per serving level and per DRAM outcome,
/// the page-walk references and their count per serving level, the remote ones, and the latency's
/// sum and maximum. Every figure is a sum (or a maximum) of what the rows would have held, so
/// grouping `v_accesses`/`v_hw_accesses` of a full run by the same key gives the same numbers.
/// Memory grows with the groups (VMAs × phases × kinds × fault kinds), not with the events.
public struct AccessSummary: Sendable {
    /// The grouping key of one summary row.
    public struct Key: Hashable, Sendable {
        public var pid: UInt32
        public var vma: UInt32
        /// The sequence number of the phase marker in force (0 before the first one): `v_phases.start_seq`.
        public var phase: UInt64
        public var kind: UInt8
        public var fault: UInt8
    }

    /// Column offsets within a group's sums.
    public enum Column {
        public static let accesses = 0
        public static let bytes = 1
        public static let hwAccesses = 2
        public static let tlb = 3
        public static let servedBy = tlb + TLBOutcome.allCases.count
        public static let dram = servedBy + MemoryLevel.allCases.count
        public static let walkRefs = dram + DRAMOutcome.allCases.count
        public static let walkServed = walkRefs + 1
        public static let remote = walkServed + MemoryLevel.allCases.count
        public static let latency = remote + 1
        public static let latencyMax = latency + 1
    }

    /// Integer sums per group.
    public static let width = Column.latencyMax + 1

    /// The SQL names of the sums, in column order (after the key columns).
    public static let sumColumns: [String] =
        ["accesses", "bytes", "hw_accesses"]
        + TLBOutcome.allCases.map { "tlb_\($0.name.lowercased())" }
        + MemoryLevel.allCases.map { "served_\($0.name.lowercased())" }
        + DRAMOutcome.allCases.map { "dram_\($0.name.lowercased())" }
        + ["walk_refs"]
        + MemoryLevel.allCases.map { "walk_served_\($0.name.lowercased())" }
        + ["remote", "latency", "latency_max"]

    /// The groups and their sums, one remembered group per access kind (`kind & 7`): a VMA's
    /// accesses alternate loads and stores, so that skips the hash lookup for nearly all of them.
    var groups = SummaryGroups<Key>(width: AccessSummary.width, caches: 8,
                                    placeholder: Key(pid: 0, vma: 0, phase: 0, kind: 0, fault: 0))
    /// The phase marker in force (its sequence number; 0 before the first).
    public private(set) var phase: UInt64 = 0
    /// The name (→ `strings`) of each phase marker seen, by its sequence number.
    public private(set) var phaseNames: [UInt64: UInt32] = [:]

    public init() {}

    /// The groups in order of first appearance.
    public var keys: [Key] { groups.keys }
    /// `width` sums per group, in the order of `keys`.
    public var sums: [Int64] { groups.sums }
    /// The position of each group in `keys`.
    var index: [Key: Int] {
        get { groups.index }
        set { groups.index = newValue }
    }

    /// A phase marker at `seq` named `name` starts a new phase.
    public mutating func startPhase(seq: UInt64, name: StringID) {
        phase = seq
        phaseNames[seq] = name.rawValue
    }

    /// Adds one access of `pid` and what the kernel and the hardware model made of it.
    @inline(__always)
    public mutating func add(pid: ProcessID, _ access: MemoryAccess, _ t: Translation, _ h: HardwareOutcome) {
        let key = Key(pid: pid.rawValue, vma: t.vma.rawValue, phase: phase, kind: access.kind.rawValue,
                      fault: t.fault.rawValue)
        let base = groups.base(of: key, slot: Int(key.kind & 7))
        groups.sums.withUnsafeMutableBufferPointer { s in
            s[base + Column.accesses] &+= 1
            s[base + Column.bytes] &+= Int64(access.size)
            guard h.isModelled else { return }
            s[base + Column.hwAccesses] &+= 1
            s[base + Column.tlb + Int(h.tlb.rawValue)] &+= 1
            s[base + Column.servedBy + Int(h.servedBy.rawValue)] &+= 1
            s[base + Column.dram + Int(h.dram.rawValue)] &+= 1
            let refs = Int(h.walkReferences)
            s[base + Column.walkRefs] &+= Int64(refs)
            for i in 0..<refs { s[base + Column.walkServed + Int(h.walkLevel(i).rawValue)] &+= 1 }
            if h.remote { s[base + Column.remote] &+= 1 }
            s[base + Column.latency] &+= Int64(h.latency)
            if Int64(h.latency) > s[base + Column.latencyMax] { s[base + Column.latencyMax] = Int64(h.latency) }
        }
    }

    /// The sums of group `g`, in `sumColumns` order.
    public func sums(ofGroup g: Int) -> [Int64] {
        Array(groups.sums(ofGroup: g))
    }

    /// The total of one sum column over every group.
    public func total(_ column: Int) -> Int64 {
        groups.total(column)
    }
}
