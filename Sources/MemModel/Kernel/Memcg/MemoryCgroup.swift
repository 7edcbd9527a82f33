/// One memory cgroup (`struct mem_cgroup`, mm/memcontrol.c, Linux 6.1): its place in the tree,
/// its limits and protections (`memory.max`, `memory.high`, `memory.low`, `memory.min`,
/// `memory.swap.max`, `memory.oom.group`), its page counter (`memory.current`, `memory.peak`,
/// failcnt), its `memory.events` and the event counters of its `memory.stat`.
///
/// Sizes are pages; `MemoryCgroup.unlimited` stands for "max" (PAGE_COUNTER_MAX).
public struct MemoryCgroup: Hashable, Sendable {
    /// PAGE_COUNTER_MAX on 64-bit: LONG_MAX / PAGE_SIZE, what "max" reads as in pages.
    public static let unlimited: UInt64 = UInt64(Int64.max) / 4096

    /// The cgroup's index in its tree (0: the root).
    public let id: Int
    /// The path below the cgroup root: "/" for the root, "/memreplay", "/A/B".
    public let path: String
    /// The parent's id (nil for the root).
    public let parent: Int?
    public internal(set) var children: [Int] = []

    /// `memory.max`, `memory.high`, `memory.low`, `memory.min`, `memory.swap.max` in pages.
    public internal(set) var max = MemoryCgroup.unlimited
    public internal(set) var high = MemoryCgroup.unlimited
    public internal(set) var low: UInt64 = 0
    public internal(set) var min: UInt64 = 0
    /// Enforced when reclaim charges a page's swap slot (`LinuxKernel+MemcgSwap`).
    public internal(set) var swapMax = MemoryCgroup.unlimited
    /// `memory.oom.group`: an OOM kill in this cgroup's domain kills every task in it.
    public internal(set) var oomGroup = false

    /// The page counter: pages charged to this cgroup and its descendants (`memory.current`),
    /// the highest it has been (`memory.peak`, v1 `max_usage_in_bytes`) and the charges refused
    /// at this level (v1 `memory.failcnt`).
    public internal(set) var usage: UInt64 = 0
    public internal(set) var peak: UInt64 = 0
    public internal(set) var failcnt: UInt64 = 0

    /// `memory.events` (this cgroup and its descendants, as `memcg_memory_event` counts them up
    /// the tree) and `memory.events.local` (this cgroup alone).
    public internal(set) var events = MemcgEvents()
    public internal(set) var localEvents = MemcgEvents()
    /// `memory.swap.events`: max (a swap charge hit memory.swap.max) and fail (a page could not
    /// get swap for it), counted up the tree like `memory.events`.
    public internal(set) var swapEventsMax: UInt64 = 0
    public internal(set) var swapEventsFail: UInt64 = 0
    /// Event counters of `memory.stat` counted in this cgroup alone (`count_memcg_events`);
    /// the file shows them summed over the subtree.
    public internal(set) var counts = MemcgEventCounts()

    /// The effective protections the last reclaim walk computed (`memory.emin`, `memory.elow`).
    public internal(set) var effectiveMin: UInt64 = 0
    public internal(set) var effectiveLow: UInt64 = 0

    public init(id: Int, path: String, parent: Int?) {
        self.id = id; self.path = path; self.parent = parent
    }

    /// The last component of the path ("" for the root).
    public var name: String { path.split(separator: "/").last.map(String.init) ?? "" }

    /// `page_counter_read`'s share of the protection this cgroup claims for `min` or `low`
    /// (`propagate_protected_usage`: min(usage, setting)).
    func protectedUsage(min isMin: Bool) -> UInt64 { Swift.min(usage, isMin ? min : low) }
}

/// The counts of `memory.events` (`enum memcg_memory_event`).
public struct MemcgEvents: Hashable, Sendable {
    public var low: UInt64 = 0
    public var high: UInt64 = 0
    public var max: UInt64 = 0
    public var oom: UInt64 = 0
    public var oomKill: UInt64 = 0
    public var oomGroupKill: UInt64 = 0

    public init() {}

    /// The file's lines in the kernel's order (`__memory_events_show`).
    public var fields: [(String, UInt64)] {
        [("low", low), ("high", high), ("max", max), ("oom", oom), ("oom_kill", oomKill), ("oom_group_kill", oomGroupKill)]
    }

    /// One event (`MEMCG_LOW` …) by its file name.
    public enum Kind: String, Sendable, CaseIterable {
        case low, high, max, oom, oomKill = "oom_kill", oomGroupKill = "oom_group_kill"
    }

    mutating func add(_ kind: Kind, _ n: UInt64 = 1) {
        switch kind {
        case .low: low += n
        case .high: high += n
        case .max: max += n
        case .oom: oom += n
        case .oomKill: oomKill += n
        case .oomGroupKill: oomGroupKill += n
        }
    }
}

/// The event counters of `memory.stat` the model counts per cgroup (`memcg_vm_event_stat`).
public struct MemcgEventCounts: Hashable, Sendable {
    public var pgfault: UInt64 = 0
    public var pgmajfault: UInt64 = 0
    public var pgrefill: UInt64 = 0
    public var pgscan: UInt64 = 0
    public var pgsteal: UInt64 = 0
    public var pgactivate: UInt64 = 0
    public var pgdeactivate: UInt64 = 0
    public var workingsetRefaultAnon: UInt64 = 0
    public var workingsetRefaultFile: UInt64 = 0
    public var workingsetActivateAnon: UInt64 = 0
    public var workingsetActivateFile: UInt64 = 0
    public var thpFaultAlloc: UInt64 = 0
    /// v1 pgpgin / pgpgout: pages charged and uncharged (`memcg1_stat_format`).
    public var pgpgin: UInt64 = 0
    public var pgpgout: UInt64 = 0

    public init() {}

    static func + (a: MemcgEventCounts, b: MemcgEventCounts) -> MemcgEventCounts {
        var c = a
        c.pgfault += b.pgfault; c.pgmajfault += b.pgmajfault; c.pgrefill += b.pgrefill; c.pgscan += b.pgscan
        c.pgsteal += b.pgsteal; c.pgactivate += b.pgactivate; c.pgdeactivate += b.pgdeactivate
        c.workingsetRefaultAnon += b.workingsetRefaultAnon; c.workingsetRefaultFile += b.workingsetRefaultFile
        c.workingsetActivateAnon += b.workingsetActivateAnon; c.workingsetActivateFile += b.workingsetActivateFile
        c.thpFaultAlloc += b.thpFaultAlloc; c.pgpgin += b.pgpgin; c.pgpgout += b.pgpgout
        return c
    }
}
