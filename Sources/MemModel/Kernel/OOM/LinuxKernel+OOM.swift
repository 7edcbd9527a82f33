import MemTrace

extension LinuxKernel {
    /// The OOM killer of this kernel's version (`kernel_version`).
    public var oomKiller: OOMKiller { OOMKiller(version: configuration.physical?.kernelVersion ?? .default61) }

    /// The pages a global OOM weighs against (`oom_constraint`: totalram_pages + total_swap_pages).
    public var oomTotalPages: UInt64 { frames.totalPages }

    /// `p` as the OOM killer sees it (`oom_badness`, `dump_task`): its comm, total_vm, RSS
    /// counters, page-table bytes below the PGD (`mm_pgtables_bytes`) and oom_score_adj. Init
    /// (pid 1) is never a candidate (`oom_unkillable_task`: `is_global_init`).
    public func oomCandidate(_ p: ProcessState) -> OOMCandidate {
        OOMCandidate(pid: p.pid, name: p.image, totalVM: p.space.totalPages, rssAnon: p.rssAnon, rssFile: p.rssFile,
                     rssShmem: p.rssShmem, pageTableBytes: UInt64(max(p.table.allTableFrames.count - 1, 0)) * Page.size,
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
