import MemTrace

/// One OOM kill as the kernel logs it: who invoked the killer and why, every candidate with its
/// points, and the victim; `logLines` prints what dmesg shows.
public struct OOMKill: Hashable, Sendable {
    /// CONSTRAINT_NONE (a global OOM), CONSTRAINT_CPUSET (the allocating task's cpuset mems
    /// are full), CONSTRAINT_MEMORY_POLICY (an MPOL_BIND policy's nodes are full) or
    /// CONSTRAINT_MEMCG (a memory cgroup's limit, by path).
    public enum Constraint: Hashable, Sendable {
        case none
        case cpuset
        case memoryPolicy
        case memcg(path: String)

        /// `oom_constraint_text`.
        public var name: String {
            switch self {
            case .none: "CONSTRAINT_NONE"; case .cpuset: "CONSTRAINT_CPUSET"
            case .memoryPolicy: "CONSTRAINT_MEMORY_POLICY"; case .memcg: "CONSTRAINT_MEMCG"
            }
        }
    }

    /// The task whose allocation failed, its gfp mask and order.
    public var invoker: OOMCandidate
    public var gfp: GFPMask
    public var order: Int
    public var constraint: Constraint
    /// Pages the constraint covers (RAM + swap, or the cgroup's limit + swap): `oc->totalpages`.
    public var totalPages: UInt64
    /// The candidates in task-list order with their badness (nil: unkillable, not shown as chosen).
    public var candidates: [(OOMCandidate, Int64?)]
    public var victim: OOMCandidate
    public var victimPoints: Int64
    /// The kernel version whose log format the lines follow.
    public var version: KernelVersion
    /// The victim's memory cgroup path (`task_memcg=`; nil: the OOM's cgroup, or "/" for a global OOM).
    public var taskMemcg: String?
    /// For a memcg OOM, the lines `mem_cgroup_print_oom_meminfo` prints after the header (usage,
    /// limit and failcnt of memory and swap, then the cgroup's memory.stat).
    public var memcgLines: [String] = []
    /// `oc->nodemask` as the summary prints it: the memory policy's nodes of a
    /// CONSTRAINT_MEMORY_POLICY OOM, nil ("(null)") otherwise (`out_of_memory` clears it).
    public var nodemask: NodeMask?
    /// The invoker's cpuset name and `mems_allowed` (`cpuset_print_current_mems_allowed`).
    public var cpuset = "/"
    public var memsAllowed = NodeMask([0])

    public init(invoker: OOMCandidate, gfp: GFPMask, order: Int, constraint: Constraint, totalPages: UInt64,
                candidates: [(OOMCandidate, Int64?)], victim: OOMCandidate, victimPoints: Int64, version: KernelVersion = .default61) {
        self.invoker = invoker; self.gfp = gfp; self.order = order; self.constraint = constraint
        self.totalPages = totalPages; self.candidates = candidates; self.victim = victim; self.victimPoints = victimPoints
        self.version = version
    }

    public static func == (a: OOMKill, b: OOMKill) -> Bool {
        a.invoker == b.invoker && a.gfp == b.gfp && a.order == b.order && a.constraint == b.constraint
            && a.totalPages == b.totalPages && a.victim == b.victim && a.victimPoints == b.victimPoints
            && a.candidates.map(\.0) == b.candidates.map(\.0) && a.candidates.map(\.1) == b.candidates.map(\.1)
            && a.version == b.version && a.taskMemcg == b.taskMemcg && a.memcgLines == b.memcgLines
            && a.nodemask == b.nodemask && a.cpuset == b.cpuset && a.memsAllowed == b.memsAllowed
    }

    public func hash(into h: inout Hasher) { h.combine(invoker); h.combine(victim); h.combine(victimPoints) }

    /// The kernel's lines for this kill, as `dump_header`, `dump_tasks`, `dump_oom_victim` and
    /// `__oom_kill_process` print them (mm/oom_kill.c), without the stack dump and the Mem-Info
    /// block. The task table gained rss_anon, rss_file and rss_shmem columns in 6.8.
    public func logLines() -> [String] { logLines(version: version) }

    /// The lines in the format of kernel `version`.
    public func logLines(version: KernelVersion) -> [String] {
        var lines = ["\(invoker.name) invoked oom-killer: gfp_mask=\(gfp.kernelDescription), order=\(order), oom_score_adj=\(invoker.oomScoreAdj)"]
        lines += memcgLines
        let split = !(version < KernelVersion(major: 6, minor: 8))
        lines.append("Tasks state (memory values in pages):")
        lines.append(split
            ? "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name"
            : "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
        for (c, _) in candidates where c.isKillable {
            let head = "[\(pad(c.pid.rawValue, 7))] \(pad(c.uid, 5)) \(pad(c.pid.rawValue, 5)) \(pad(c.totalVM, 8)) \(pad(c.rss, 8))"
            let rss = split ? " \(pad(c.rssAnon, 8)) \(pad(c.rssFile, 8)) \(pad(c.rssShmem, 9))" : ""
            lines.append(head + rss + " \(pad(c.pageTableBytes, 8)) \(pad(c.swapEntries, 8))         \(pad(c.oomScoreAdj, 5)) \(c.name)")
        }
        // dump_oom_summary: constraint and nodemask, cpuset_print_current_mems_allowed,
        // mem_cgroup_print_oom_context, the victim.
        let context: String
        if case .memcg(let path) = constraint { context = "oom_memcg=\(path),task_memcg=\(taskMemcg ?? path)" }
        else { context = "global_oom,task_memcg=\(taskMemcg ?? "/")" }
        lines.append("oom-kill:constraint=\(constraint.name),nodemask=\(nodemask.map { "\($0)" } ?? "(null)"),cpuset=\(cpuset),"
            + "mems_allowed=\(memsAllowed),\(context),task=\(victim.name),pid=\(victim.pid.rawValue),uid=\(victim.uid)")
        let prefix = if case .memcg = constraint { "Memory cgroup out of memory" } else { "Out of memory" }
        let v = victim
        lines.append("\(prefix): Killed process \(v.pid.rawValue) (\(v.name)) total-vm:\(v.totalVM * 4)kB, anon-rss:\(v.rssAnon * 4)kB, "
            + "file-rss:\(v.rssFile * 4)kB, shmem-rss:\(v.rssShmem * 4)kB, UID:\(v.uid) pgtables:\(v.pageTableBytes / 1024)kB oom_score_adj:\(v.oomScoreAdj)")
        return lines
    }

    private func pad<T: BinaryInteger>(_ v: T, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}
