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
    /// `out_of_memory` for a global OOM (`CONSTRAINT_NONE`): with vm.oom_kill_allocating_task set
    /// the allocating task goes if it may; else `select_bad_process` chooses by `oom_badness`
    /// over every live process. The victim is killed with SIGKILL and its memory freed at once
    /// (the OOM reaper), the kill is logged as the kernel logs it (`oomKills`, `KernelChange.oomKill`).
    /// Returns the victim, nil when every process is unkillable (the kernel panics there).
    mutating func outOfMemory(gfp: GFPMask, order: Int) -> ProcessID? {
        let total = oomTotalPages
        let killer = oomKiller
        let candidates = oomCandidates
        let invoker = currentPID.flatMap { tasks[$0] }.map { oomCandidate($0) }
        var chosen: (victim: OOMCandidate, points: Int64)?
        if sysctls["vm.oom_kill_allocating_task"] ?? 0 != 0, let me = invoker, let points = killer.badness(me, totalPages: total) {
            chosen = (me, points)
        } else {
            chosen = killer.select(candidates, totalPages: total)
        }
        guard let (victim, points) = chosen, let p = tasks[victim.pid] else { return nil }
        var record = OOMKill(invoker: invoker ?? victim, gfp: gfp, order: order, constraint: .none, totalPages: total,
                             candidates: candidates.map { ($0, killer.badness($0, totalPages: total)) },
                             victim: victim, victimPoints: points, version: killer.version)
        record.taskMemcg = noteGlobalOOMKill(victim.pid)
        oomKills.append(record)
        changes.append(.oomKill(record))
        kill(p, signal: 9)
        return victim.pid
    }
}
