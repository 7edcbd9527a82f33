import MemTrace

/// The memory-cgroup hierarchy (cgroup v2's memory controller, mm/memcontrol.c and
/// mm/page_counter.c, Linux 6.1): the root and its named descendants, which process is in which
/// cgroup, the hierarchical page counters and the protection arithmetic.
///
/// It owns its state and changes it only through its operations; the kernel decides when to
/// charge, reclaim and kill (`LinuxKernel+Memcg`). Which frame is charged to which cgroup is a
/// per-frame fact of the frame store (`PhysicalMemory.memcgOf`), and each cgroup's LRU lists are
/// its lruvecs there (memcg id · nodes + node).
public struct MemcgTree: Hashable, Sendable {
    /// The cgroups by id; 0 is the root.
    public internal(set) var groups: [MemoryCgroup] = [MemoryCgroup(id: 0, path: "/", parent: nil)]
    /// The cgroup of each live process (absent: the root).
    public private(set) var members: [ProcessID: Int] = [:]
    /// cgroup2's `memory_recursiveprot` mount option: unclaimed protection of a parent is handed
    /// down to its children in proportion to their unprotected usage (`effective_protection`).
    public var recursiveProtection = false
    /// Cgroups whose memory.max was set below their usage and that have not come back under it
    /// (`memory_max_write` reclaims and OOM-kills, but may fail): the one way to be above max.
    public private(set) var overLimit: Set<Int> = []
    /// Cgroups that exist from boot (configured), the ones the counter snapshots record.
    public internal(set) var configuredCount = 1

    public init() {}

    public static let root = 0

    /// The cgroup at `path` ("/A/B" or "A/B"), if it exists.
    public func id(of path: String) -> Int? {
        let p = MemcgTree.normalize(path)
        return groups.firstIndex { $0.path == p }
    }

    /// "/A/B" for "A/B", "/A/B/" and "/A/B"; "/" for "" and "/".
    public static func normalize(_ path: String) -> String {
        "/" + path.split(separator: "/").joined(separator: "/")
    }

    /// The cgroup at `path`, created with its missing ancestors (`mkdir` in the cgroup tree).
    @discardableResult
    public mutating func create(_ path: String) -> Int {
        if let id = id(of: path) { return id }
        var parent = MemcgTree.root
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if let id = id(of: prefix) { parent = id; continue }
            let id = groups.count
            groups.append(MemoryCgroup(id: id, path: prefix, parent: parent))
            groups[parent].children.append(id)
            parent = id
        }
        return parent
    }

    /// The cgroup of process `pid` (the root when it was never moved).
    public func group(of pid: ProcessID) -> Int { members[pid] ?? MemcgTree.root }

    /// Moves `pid` into cgroup `id` (a write to `cgroup.procs`; charges stay where they are, as
    /// cgroup v2 does not move them).
    public mutating func attach(_ pid: ProcessID, to id: Int) {
        if id == MemcgTree.root { members[pid] = nil } else { members[pid] = id }
    }

    /// The process left (exit): it is no longer a member.
    public mutating func detach(_ pid: ProcessID) { members[pid] = nil }

    /// The live members of cgroup `id` itself, by pid.
    public func tasks(in id: Int) -> [ProcessID] { members.filter { $0.value == id }.map(\.key).sorted() }

    /// `id` and its descendants in pre-order (`mem_cgroup_iter` over a subtree).
    public func subtree(_ id: Int) -> [Int] {
        var out: [Int] = [], stack = [id]
        while let g = stack.popLast() {
            out.append(g)
            stack.append(contentsOf: groups[g].children.reversed())
        }
        return out
    }

    /// `id` and its ancestors up to the root, innermost first.
    public func ancestry(_ id: Int) -> [Int] {
        var out = [id]
        while let p = groups[out.last!].parent { out.append(p) }
        return out
    }

    /// Sets one control file of cgroup `id` in pages (`memory_max_write`, `memory_high_write`,
    /// `memory_low_write`, `memory_min_write`, `swap_max_write`). Lowering memory.max below the
    /// usage is the kernel's business (it reclaims, then OOM-kills): see `LinuxKernel.setMemcgLimit`.
    public mutating func set(_ id: Int, _ file: MemcgFile, pages: UInt64) {
        switch file {
        case .max:
            groups[id].max = pages
            if groups[id].usage > pages { overLimit.insert(id) } else { overLimit.remove(id) }
        case .high: groups[id].high = pages
        case .low: groups[id].low = pages
        case .min: groups[id].min = pages
        case .swapMax: groups[id].swapMax = pages
        case .oomGroup: groups[id].oomGroup = pages != 0
        }
    }

    /// `page_counter_try_charge`: charges `pages` to `id` and every ancestor unless one of them
    /// would pass its memory.max; then nothing is charged, that cgroup's failcnt grows and its id
    /// is returned (`mem_over_limit`). Nil on success; the peaks follow (`memory.peak`).
    public mutating func tryCharge(_ id: Int, pages: UInt64) -> Int? {
        let chain = ancestry(id)
        for g in chain where groups[g].usage + pages > groups[g].max {
            groups[g].failcnt += 1
            return g
        }
        for g in chain {
            groups[g].usage += pages
            if groups[g].usage > groups[g].peak { groups[g].peak = groups[g].usage }
        }
        groups[id].counts.pgpgin += pages
        return nil
    }

    /// `page_counter_uncharge` of `pages` from `id` and its ancestors.
    public mutating func uncharge(_ id: Int, pages: UInt64) {
        for g in ancestry(id) {
            precondition(groups[g].usage >= pages, "uncharge of \(pages) pages from \(groups[g].path) with \(groups[g].usage)")
            groups[g].usage -= pages
            if !overLimit.isEmpty && groups[g].usage <= groups[g].max { overLimit.remove(g) }
        }
        groups[id].counts.pgpgout += pages
    }

    /// `mem_cgroup_margin`: pages `id` may still charge before it or an ancestor reaches its max.
    public func margin(_ id: Int) -> UInt64 {
        ancestry(id).map { groups[$0].max > groups[$0].usage ? groups[$0].max - groups[$0].usage : 0 }.min() ?? 0
    }

    /// `memcg_memory_event`: counts `kind` in `id` (memory.events.local) and in `id` and each
    /// ancestor below the root (memory.events).
    public mutating func event(_ id: Int, _ kind: MemcgEvents.Kind, _ n: UInt64 = 1) {
        groups[id].localEvents.add(kind, n)
        for g in ancestry(id) where g != MemcgTree.root { groups[g].events.add(kind, n) }
    }

    /// MEMCG_SWAP_MAX and MEMCG_SWAP_FAIL for `id` (`mem_cgroup_try_charge_swap` refused).
    public mutating func swapEvent(_ id: Int, fail: Bool) {
        for g in ancestry(id) where g != MemcgTree.root {
            groups[g].swapEventsMax += 1
            if fail { groups[g].swapEventsFail += 1 }
        }
    }

    /// Adds event counters to `id`'s own `memory.stat` counts.
    public mutating func count(_ id: Int, _ body: (inout MemcgEventCounts) -> Void) { body(&groups[id].counts) }

    /// The event counters of `id`'s subtree (what memory.stat shows).
    public func subtreeCounts(_ id: Int) -> MemcgEventCounts { subtree(id).reduce(MemcgEventCounts()) { $0 + groups[$1].counts } }
}

/// A control file of a memory cgroup that takes a value.
public enum MemcgFile: String, Sendable, CaseIterable {
    case max, high, low, min, swapMax = "swap.max", oomGroup = "oom_group"

    /// The file for a control event's key: the v2 names (`memory.max`, `memory.swap.max`,
    /// `memory.oom.group`) and the v1 ones (`memory.limit_in_bytes` as max,
    /// `memory.soft_limit_in_bytes` as low, the closest v2 twin).
    public init?(controlKey key: String) {
        switch key {
        case "memory.max", "memory.limit_in_bytes", "max": self = .max
        case "memory.high", "high": self = .high
        case "memory.low", "memory.soft_limit_in_bytes", "low": self = .low
        case "memory.min", "min": self = .min
        case "memory.swap.max", "swap.max": self = .swapMax
        case "memory.oom.group", "oom_group", "oom.group": self = .oomGroup
        default: return nil
        }
    }
}
