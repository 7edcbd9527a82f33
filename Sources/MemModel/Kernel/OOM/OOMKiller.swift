import MemTrace

/// The OOM killer's choice (mm/oom_kill.c): each task's badness, the victim, and the score
/// /proc/PID/oom_score prints.
///
/// Pure functions of values: the kernel hands in its candidates (`OOMCandidate`, one per process
/// with an mm) and the number of pages the constraint covers; this type never reaches into the
/// kernel. The rules follow the kernel version: Linux 6.1 by default, the pre-4.17 3% bonus for
/// root and the pre-5.9 score formula for older versions.
public struct OOMKiller: Sendable {
    /// OOM_SCORE_ADJ_MIN: the task is never chosen.
    public static let disabled: Int32 = -1000
    /// OOM_SCORE_ADJ_MAX.
    public static let maximumAdjustment: Int32 = 1000

    public let version: KernelVersion

    public init(version: KernelVersion = .default61) { self.version = version }

    /// `oom_badness`: the pages that killing `c` would free, shifted by its oom_score_adj in
    /// thousandths of `totalPages`; nil (the kernel's LONG_MIN) for an unkillable task — init, a
    /// kernel thread, a task without an mm, or oom_score_adj −1000.
    ///
    /// points = MM_ANONPAGES + MM_FILEPAGES + MM_SHMEMPAGES + MM_SWAPENTS + pgtables_bytes / PAGE_SIZE;
    /// before 4.17 a task with CAP_SYS_ADMIN (here: uid 0) lost 3% of them; then
    /// points += oom_score_adj · (totalpages / 1000). Kernels before 5.9 returned at least 1.
    public func badness(_ c: OOMCandidate, totalPages: UInt64) -> Int64? {
        guard c.isKillable, c.oomScoreAdj != OOMKiller.disabled else { return nil }
        var points = Int64(c.rssAnon + c.rssFile + c.rssShmem + c.swapEntries + c.pageTableBytes / Page.size)
        if version < KernelVersion(major: 4, minor: 17) && c.uid == 0 { points -= points * 3 / 100 }
        let adj = Int64(c.oomScoreAdj) * Int64(totalPages / 1000)
        points += adj
        if version < KernelVersion(major: 5, minor: 9) { return points > 0 ? points : 1 }
        return points
    }

    /// `select_bad_process` over `candidates` in task-list order (oldest first): the task with the
    /// most points; `oom_evaluate_task` takes a task whose points are ≥ the chosen one's, so a tie
    /// goes to the later task. Nil when every task is unkillable.
    public func select(_ candidates: [OOMCandidate], totalPages: UInt64) -> (victim: OOMCandidate, points: Int64)? {
        var chosen: (OOMCandidate, Int64)?
        for c in candidates {
            guard let points = badness(c, totalPages: totalPages) else { continue }
            if chosen == nil || points >= chosen!.1 { chosen = (c, points) }
        }
        return chosen.map { (victim: $0.0, points: $0.1) }
    }

    /// /proc/PID/oom_score (`proc_oom_score` in fs/proc/base.c): since 5.9
    /// (1000 + badness · 1000 / totalpages) · 2 / 3, in 0…1333 with an idle task at 666; before,
    /// badness · 1000 / totalpages. 0 for an unkillable task.
    public func score(_ c: OOMCandidate, totalPages: UInt64) -> Int64 {
        guard let b = badness(c, totalPages: totalPages), totalPages > 0 else { return 0 }
        if version < KernelVersion(major: 5, minor: 9) { return b * 1000 / Int64(totalPages) }
        return (1000 + b * 1000 / Int64(totalPages)) * 2 / 3
    }
}
