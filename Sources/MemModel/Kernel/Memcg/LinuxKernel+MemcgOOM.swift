import MemTrace

/// The memcg OOM killer (mm/memcontrol.c `mem_cgroup_oom`, `mem_cgroup_out_of_memory`,
/// `mem_cgroup_get_oom_group`; mm/oom_kill.c `out_of_memory` with `oc->memcg`, Linux 6.1).
extension LinuxKernel {
    /// `mem_cgroup_oom` from the charge path: costly orders fail instead (a THP charge falls back
    /// to small pages); otherwise an `oom` event and the memcg OOM killer. True when it killed.
    mutating func memcgOOM(_ id: Int, gfp: GFPMask, order: Int) -> Bool {
        guard order <= PhysicalMemory.costlyOrder else { return false }
        memcg.event(id, .oom)
        return memcgOutOfMemory(id, gfp: gfp, order: order)
    }

    /// `mem_cgroup_get_max`: memory.max plus the swap the cgroup may use (v2: min(swap.max,
    /// total swap)): the pages an OOM in the cgroup weighs against (`oc->totalpages`).
    func memcgOOMTotalPages(_ id: Int) -> UInt64 {
        let g = memcg.groups[id]
        return g.max + Swift.min(g.swapMax, totalSwapPages)
    }

    /// `mem_cgroup_out_of_memory` → `out_of_memory` constrained to cgroup `id`: true at once if
    /// the margin already allows the charge; else `select_bad_process` over the live tasks of the
    /// cgroup's subtree (`mem_cgroup_scan_tasks`) with `oom_badness` against the cgroup's max;
    /// the victim is killed (an `oom_kill` event in its cgroup), and with memory.oom.group set
    /// on its cgroup or an ancestor up to `id` every task of the highest such cgroup goes too
    /// (`oom_group_kill`). The kill is logged with the memcg header lines
    /// (`mem_cgroup_print_oom_meminfo`) and the "Memory cgroup out of memory" prefix.
    /// False when no task could be chosen.
    mutating func memcgOutOfMemory(_ id: Int, gfp: GFPMask, order: Int) -> Bool {
        if memcg.margin(id) >= 1 << UInt64(order) { return true }
        let domain = Set(memcg.subtree(id))
        let total = memcgOOMTotalPages(id)
        let killer = oomKiller
        let candidates = tasks.order.compactMap { tasks[$0] }.filter { $0.alive && domain.contains(memcg.group(of: $0.pid)) }
            .map { oomCandidate($0) }
        let invoker = currentPID.flatMap { tasks[$0] }.map { oomCandidate($0) }
        guard let (victim, points) = killer.select(candidates, totalPages: total), let p = tasks[victim.pid] else { return false }
        var record = OOMKill(invoker: invoker ?? victim, gfp: gfp, order: order, constraint: .memcg(path: memcg.groups[id].path),
                             totalPages: total, candidates: candidates.map { ($0, killer.badness($0, totalPages: total)) },
                             victim: victim, victimPoints: points, version: killer.version)
        let victimGroup = memcg.group(of: victim.pid)
        record.taskMemcg = memcg.groups[victimGroup].path
        record.memcgLines = memcgOOMInfo(id)
        noteCpusetContext(&record)
        oomKills.append(record)
        changes.append(.oomKill(record))
        // The group to take down with the victim: the highest cgroup with memory.oom.group from
        // the victim's up to the OOM domain (`mem_cgroup_get_oom_group`).
        let oomGroup = memcg.ancestry(victimGroup).prefix { domain.contains($0) }.last { memcg.groups[$0].oomGroup }
        kill(p, signal: 9)
        memcg.event(victimGroup, .oomKill)
        if let og = oomGroup {
            memcg.event(og, .oomGroupKill)
            let members = Set(memcg.subtree(og))
            for pid in tasks.order where pid != victim.pid {
                guard let t = tasks[pid], t.alive, members.contains(memcg.group(of: pid)), t.oomScoreAdj != OOMKiller.disabled else { continue }
                kill(t, signal: 9)
                memcg.event(memcg.group(of: pid), .oomKill)
            }
        }
        return true
    }

    /// `mem_cgroup_print_oom_meminfo` (cgroup v2): memory and swap usage, limit and failcnt in
    /// kB, then "Memory cgroup stats for PATH:" and the cgroup's memory.stat.
    func memcgOOMInfo(_ id: Int) -> [String] {
        let g = memcg.groups[id]
        return ["memory: usage \(g.usage * 4)kB, limit \(g.max * 4)kB, failcnt \(g.failcnt)",
                "swap: usage \(swapCurrent(id) * 4)kB, limit \(g.swapMax * 4)kB, failcnt \(g.swapEventsFail)",
                "Memory cgroup stats for \(g.path):"]
            + memcgStat(id).map { "\($0.0) \($0.1)" }
    }

    /// The victim of a global OOM kill is charged an `oom_kill` event in its cgroup
    /// (`memcg_memory_event_mm` in `__oom_kill_process`); returns its cgroup's path.
    mutating func noteGlobalOOMKill(_ pid: ProcessID) -> String {
        let g = memcg.group(of: pid)
        if g != MemcgTree.root { memcg.event(g, .oomKill) }
        return memcg.groups[g].path
    }
}
