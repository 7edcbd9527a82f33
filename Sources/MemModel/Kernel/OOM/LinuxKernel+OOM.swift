import MemTrace

extension LinuxKernel {
    /// The OOM killer of this kernel's version (`kernel_version`).
    public var oomKiller: OOMKiller { OOMKiller(version: configuration.physical?.kernelVersion ?? .default61) }

    /// The pages a global OOM weighs against (`oom_constraint`: totalram_pages + total_swap_pages).
    public var oomTotalPages: UInt64 { frames.totalPages + totalSwapPages }

    /// `p` as the OOM killer sees it (`oom_badness`, `dump_task`): its comm, total_vm, RSS
    /// counters, page-table bytes below the PGD (`mm_pgtables_bytes`) and oom_score_adj. Init
    /// (pid 1) is never a candidate (`oom_unkillable_task`: `is_global_init`).
    public func oomCandidate(_ p: ProcessState) -> OOMCandidate {
        OOMCandidate(pid: p.pid, name: p.image, totalVM: p.space.totalPages, rssAnon: p.rssAnon, rssFile: p.rssFile,
                     rssShmem: p.rssShmem, swapEntries: p.table.swapEntryCount,
                     pageTableBytes: UInt64(max(p.table.allTableFrames.count - 1, 0)) * Page.size,
                     oomScoreAdj: p.oomScoreAdj, isKillable: p.pid.rawValue != 1)
    }

    /// The live processes in task-list order (oldest first, as `for_each_process` walks them),
    /// as candidates.
    public var oomCandidates: [OOMCandidate] {
        tasks.order.compactMap { tasks[$0] }.map { oomCandidate($0) }
    }

    /// /proc/PID/oom_score of a live process (`proc_oom_score`); nil when `pid` is not alive.
    public func oomScore(of pid: ProcessID) -> Int64? {
        guard let p = tasks[pid], p.alive else { return nil }
        return oomKiller.score(oomCandidate(p), totalPages: oomTotalPages)
    }
}

extension LinuxKernel {
    /// `out_of_memory` for an OOM of the page allocator: `constrained_alloc` says whether the
    /// request's memory policy or cpuset confined it (and the pages that weighs against); the
    /// candidates are the tasks that may hold memory there (`oom_cpuset_eligible`). With
    /// vm.oom_kill_allocating_task set the allocating task goes if it may; else
    /// `select_bad_process` chooses by `oom_badness`. The victim is killed with SIGKILL and its
    /// memory freed at once (the OOM reaper), the kill is logged as the kernel logs it
    /// (`oomKills`, `KernelChange.oomKill`). Returns the victim, nil when every process is
    /// unkillable (the kernel panics there).
    mutating func outOfMemory(gfp: GFPMask, order: Int, placement: NodePlacement = .anywhere) -> ProcessID? {
        let (constraint, total) = constrainedAlloc(placement)
        let killer = oomKiller
        let policyMask = constraint == .memoryPolicy ? placement.policyMask : nil
        let candidates = tasks.order.compactMap { tasks[$0] }.filter { oomCpusetEligible($0.pid, policyMask) }.map { oomCandidate($0) }
        let invoker = currentPID.flatMap { tasks[$0] }.map { oomCandidate($0) }
        var chosen: (victim: OOMCandidate, points: Int64)?
        if sysctls["vm.oom_kill_allocating_task"] ?? 0 != 0, let me = invoker, oomCpusetEligible(me.pid, policyMask),
           let points = killer.badness(me, totalPages: total) {
            chosen = (me, points)
        } else {
            chosen = killer.select(candidates, totalPages: total)
        }
        guard let (victim, points) = chosen, let p = tasks[victim.pid] else { return nil }
        var record = OOMKill(invoker: invoker ?? victim, gfp: gfp, order: order, constraint: constraint, totalPages: total,
                             candidates: candidates.map { ($0, killer.badness($0, totalPages: total)) },
                             victim: victim, victimPoints: points, version: killer.version)
        record.taskMemcg = noteGlobalOOMKill(victim.pid)
        record.nodemask = policyMask
        noteCpusetContext(&record)
        oomKills.append(record)
        changes.append(.oomKill(record))
        kill(p, signal: 9)
        return victim.pid
    }
}

extension LinuxKernel {
    /// `constrained_alloc` for the page allocator's OOM: CONSTRAINT_MEMORY_POLICY when the
    /// policy's nodemask leaves out some memory node (totalpages: swap + the present pages of its
    /// nodes), CONSTRAINT_CPUSET when a node the request could use lies outside the task's cpuset
    /// (`cpuset_zone_allowed`; totalpages: swap + the present pages of its mems), else
    /// CONSTRAINT_NONE with RAM + swap.
    func constrainedAlloc(_ placement: NodePlacement) -> (OOMKill.Constraint, UInt64) {
        func present(_ mask: NodeMask) -> UInt64 {
            mask.nodes.filter { $0 < frames.nodeZones.count }.reduce(0) { sum, n in
                sum + frames.nodeZones[n].reduce(0) { $0 + frames.zoneInfo[$1].layout.present }
            }
        }
        if let mask = placement.policyMask, !numa.memoryNodes.isSubset(of: mask) {
            return (.memoryPolicy, totalSwapPages + present(mask))
        }
        let usable = placement.policyMask ?? numa.memoryNodes
        if !usable.intersection(numa.memoryNodes).isSubset(of: placement.memsAllowed) {
            return (.cpuset, totalSwapPages + present(placement.memsAllowed))
        }
        return (.none, oomTotalPages)
    }

    /// `oom_cpuset_eligible`: under a memory-policy OOM a task counts unless it is bound to other
    /// nodes (`mempolicy_in_oom_domain`); otherwise unless its cpuset's mems and the allocating
    /// task's share no node (`cpuset_mems_allowed_intersects`).
    func oomCpusetEligible(_ pid: ProcessID, _ policyMask: NodeMask?) -> Bool {
        guard numa.engaged else { return true }
        if let mask = policyMask { return numa.taskPolicies[pid]?.inOOMDomain(mask) ?? true }
        guard let me = currentPID else { return true }
        return numa.memsAllowed(pid).intersects(numa.memsAllowed(me))
    }

    /// The invoker's cpuset name and mems_allowed for the kill's summary line.
    func noteCpusetContext(_ record: inout OOMKill) {
        let pid = currentPID ?? record.invoker.pid
        record.cpuset = numa.cpusetName(pid)
        record.memsAllowed = numa.memsAllowed(pid)
    }
}
