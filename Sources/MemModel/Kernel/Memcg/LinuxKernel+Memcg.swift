import MemTrace

/// The memory controller's charge path (mm/memcontrol.c, Linux 6.1): which cgroup an allocation
/// is charged to, `try_charge_memcg` with its reclaim-and-retry loop and memcg OOM, uncharging on
/// free, and the work `mem_cgroup_handle_over_high` does once an event is over.
extension LinuxKernel {
    /// MEMCG_CHARGE_BATCH: pages over memory.high a task may gather before it reclaims at once
    /// instead of on its way back to user space.
    static let memcgChargeBatch: UInt64 = 64

    /// Builds the configured cgroups at boot: the tree, their settings, room for their lruvecs
    /// and their reclaim state.
    mutating func setUpMemcgs(_ config: MemcgConfiguration?) {
        guard let config else { return }
        memcg.recursiveProtection = config.recursiveProtection
        for g in config.groups {
            let id = memcg.create(g.path)
            for (key, bytes) in g.settings.sorted(by: { $0.key < $1.key }) {
                guard let file = MemcgFile(rawValue: key) else { continue }
                memcg.set(id, file, pages: file == .oomGroup ? bytes : LinuxKernel.memcgPages(bytes))
            }
        }
        memcg.configuredCount = memcg.groups.count
        growMemcgLruvecs()
    }

    /// Bytes to the pages a control file holds (`page_counter_memparse`: rounded down; "max" stays max).
    static func memcgPages(_ bytes: UInt64) -> UInt64 {
        bytes == .max || bytes / Page.size >= MemoryCgroup.unlimited ? MemoryCgroup.unlimited : bytes / Page.size
    }

    /// Every cgroup has its lruvecs and their reclaim state (`mem_cgroup_alloc`).
    mutating func growMemcgLruvecs() {
        frames.ensureLruvecs(groups: memcg.groups.count)
        reclaim.ensureVectors(frames.lruvecCount)
    }

    /// A new process's cgroup: its parent's (fork; also when the parent joined by a control
    /// event), else the configured one that names it.
    mutating func memcgAttachNew(_ pid: ProcessID, parent: ProcessID, image: String) {
        let inherited = memcg.members[parent]
        let configured = configuration.memcg?.path(for: pid, image: image).flatMap { memcg.id(of: $0) }
        if let g = inherited ?? configured { memcg.attach(pid, to: g) }
    }

    /// At exec, a process still in the root cgroup joins the cgroup configured for its new image.
    mutating func memcgAttachExec(_ pid: ProcessID, image: String) {
        guard let config = configuration.memcg, memcg.members[pid] == nil,
              let g = config.path(for: pid, image: image).flatMap({ memcg.id(of: $0) }) else { return }
        memcg.attach(pid, to: g)
    }

    /// The cgroup a frame for `use` is charged to, nil when none is: the current task's cgroup
    /// (`get_mem_cgroup_from_mm(current->mm)`) for user, page-cache and shmem pages; the root is
    /// never charged (`mem_cgroup_is_root` in `try_charge_memcg`). Kernel memory (kmem: user page
    /// tables, which GFP_PGTABLE_USER would charge, and slab objects) is not charged: the model
    /// allocates a page-table page in the middle of a PTE update, where reclaim may not run.
    func memcgToCharge(_ use: PageUse) -> Int? {
        guard !memcg.members.isEmpty, let pid = currentPID, let g = memcg.members[pid] else { return nil }
        switch use {
        case .anonymous, .anonHuge, .file, .shmem: return g
        default: return nil
        }
    }

    /// `try_charge_memcg`: charges `pages` to cgroup `id`. When the cgroup or an ancestor is at its
    /// memory.max: count a `max` event, reclaim from that cgroup's subtree
    /// (`try_to_free_mem_cgroup_pages`), retry while the margin allows it or reclaim made progress
    /// (small charges), up to MAX_RECLAIM_RETRIES fruitless rounds; then the memcg OOM killer
    /// (`mem_cgroup_oom`, orders ≤ PAGE_ALLOC_COSTLY_ORDER), and retry after a kill. A charge
    /// that cannot block, or gives up, fails (ENOMEM: the fault returns VM_FAULT_OOM). A charge
    /// that leaves some level above memory.high records the pages for `handleOverHigh`.
    mutating func tryChargeMemcg(_ id: Int, pages: UInt64, gfp: GFPMask) -> Bool {
        var retries = LinuxKernel.maxReclaimRetries
        var passedOOM = false
        let order = pages <= 1 ? 0 : Int(UInt64.bitWidth - (pages - 1).leadingZeroBitCount)
        while true {
            guard let over = memcg.tryCharge(id, pages: pages) else {
                if memcg.ancestry(id).contains(where: { $0 != MemcgTree.root && memcg.groups[$0].usage > memcg.groups[$0].high }) {
                    memcgPagesOverHigh += pages
                    if memcgPagesOverHigh > LinuxKernel.memcgChargeBatch && gfp.contains(.directReclaim) { handleOverHigh() }
                }
                return true
            }
            memcg.event(over, .max)
            guard gfp.contains(.directReclaim) else { return false }
            let reclaimed = tryToFreeMemcgPages(over, pages: pages)
            if memcg.margin(over) >= pages { continue }
            if gfp.contains(.noRetry) { return false }
            if reclaimed > 0 && order <= PhysicalMemory.costlyOrder { continue }
            if retries > 0 { retries -= 1; continue }
            if passedOOM && currentIsDying { return false }
            guard memcgOOM(over, gfp: gfp, order: order) else { return false }
            if currentIsDying { return false }
            passedOOM = true
            retries = LinuxKernel.maxReclaimRetries
        }
    }

    /// The current task was killed (or exited) while the event was handled (`task_is_dying`).
    var currentIsDying: Bool { currentPID.map { tasks[$0].map { !$0.alive } ?? true } ?? false }

    /// Uncharges the frame `f` before it is freed (`mem_cgroup_uncharge`): `pages` from its cgroup
    /// and the ancestors.
    mutating func memcgUncharge(_ f: PageFrameNumber, pages: UInt64) {
        let g = frames.memcgOf(f)
        if g != MemcgTree.root { memcg.uncharge(g, pages: pages) }
    }

    /// `mem_cgroup_handle_over_high`: for the pages the task charged above memory.high, reclaim
    /// from each level over its high (`reclaim_high`, counting `high` events), then sleep the
    /// penalty `calculate_high_delay` gives for the largest overage — squared, scaled, in
    /// proportion to the task's pages, at most 2 s — retrying reclaim first while it helps. The
    /// sleep is the event's memcg stall. Never OOM-kills.
    mutating func handleOverHigh() {
        let nrPages = memcgPagesOverHigh
        memcgPagesOverHigh = 0
        guard nrPages > 0, let pid = currentPID, let id = memcg.members[pid] else { return }
        var retries = LinuxKernel.maxReclaimRetries
        var inRetry = false
        while true {
            let reclaimed = reclaimHigh(id, pages: inRetry ? ScanControl.clusterMax : nrPages)
            let penalty = Swift.min(LinuxKernel.highDelay(nrPages: nrPages, maxOverage: maxOverage(id)), 2 * LinuxKernel.hz)
            if penalty <= LinuxKernel.hz / 100 { return }
            if reclaimed > 0 || retries > 0 {
                if reclaimed == 0 { retries -= 1 }
                inRetry = true
                continue
            }
            stall.memcgReclaim += penalty * (1_000_000_000 / LinuxKernel.hz)
            return
        }
    }

    /// CONFIG_HZ of the distributions' 6.1 kernels (Debian: 250).
    static let hz: UInt64 = 250

    /// `reclaim_high`: each level from `id` up (below the root) that is above its memory.high
    /// counts a `high` event and is reclaimed by `pages`.
    mutating func reclaimHigh(_ id: Int, pages: UInt64) -> UInt64 {
        var reclaimed: UInt64 = 0
        for g in memcg.ancestry(id) where g != MemcgTree.root && memcg.groups[g].usage > memcg.groups[g].high {
            memcg.event(g, .high)
            reclaimed += tryToFreeMemcgPages(g, pages: pages)
        }
        return reclaimed
    }

    /// `mem_find_max_overage`: the largest (usage − high) / high over `id` and its ancestors below
    /// the root, in 2^-20 units (`calculate_overage`).
    func maxOverage(_ id: Int) -> UInt64 {
        memcg.ancestry(id).filter { $0 != MemcgTree.root }.map { g -> UInt64 in
            let c = memcg.groups[g]
            guard c.usage > c.high else { return 0 }
            let high = Swift.max(c.high, 1)
            return MemcgTree.mulDiv(c.usage - high, 1 << 20, high)
        }.max() ?? 0
    }

    /// `calculate_high_delay`: overage² · HZ >> (20 + 14), times nr_pages / MEMCG_CHARGE_BATCH, in jiffies.
    static func highDelay(nrPages: UInt64, maxOverage: UInt64) -> UInt64 {
        guard maxOverage > 0 else { return 0 }
        let square = maxOverage.multipliedReportingOverflow(by: maxOverage)
        let jiffies = square.overflow ? UInt64.max >> 34 : (square.partialValue >> 20).multipliedReportingOverflow(by: hz).partialValue >> 14
        return jiffies.multipliedReportingOverflow(by: nrPages).partialValue / memcgChargeBatch
    }

    /// Applies a cgroup control event: cgroup `name` (created when new) gets `file` set to
    /// `bytes` (−1: "max"), and `target` joins it. Lowering memory.max below the usage reclaims
    /// down to it and then OOM-kills in the cgroup (`memory_max_write`); lowering memory.high
    /// reclaims once (`memory_high_write`).
    mutating func memcgControl(name: String, key: String, value: Int64, target: ProcessID) {
        let id = memcg.create(name)
        growMemcgLruvecs()
        if target != .none, tasks[target] != nil { memcg.attach(target, to: id) }
        guard let file = MemcgFile(controlKey: key) else { return }
        let pages = value < 0 ? MemoryCgroup.unlimited : (file == .oomGroup ? UInt64(value) : LinuxKernel.memcgPages(UInt64(value)))
        memcg.set(id, file, pages: pages)
        switch file {
        case .max:
            var retries = LinuxKernel.maxReclaimRetries
            while memcg.groups[id].usage > pages {
                if retries > 0 {
                    if tryToFreeMemcgPages(id, pages: memcg.groups[id].usage - pages) == 0 { retries -= 1 }
                    continue
                }
                memcg.event(id, .oom)
                guard memcgOutOfMemory(id, gfp: .kernel, order: 0) else { break }
            }
        case .high:
            if memcg.groups[id].usage > pages { _ = tryToFreeMemcgPages(id, pages: memcg.groups[id].usage - pages) }
        default: break
        }
    }

    /// Counts the page faults an event took in the current task's cgroup (`count_memcg_event_mm`:
    /// PGFAULT, PGMAJFAULT); `mark` is the kernel's counts before the event.
    mutating func noteMemcgFaults(since mark: (UInt64, UInt64)) {
        guard !memcg.members.isEmpty, let pid = currentPID, let g = memcg.members[pid] else { return }
        let minor = stats.pgfault - mark.0, major = stats.pgmajfault - mark.1
        guard minor + major > 0 else { return }
        memcg.count(g) { $0.pgfault += minor; $0.pgmajfault += major }
    }
}

extension LinuxKernel {
    /// `mem_cgroup_charge` of a new transparent huge page at `head` (512 pages) to the current
    /// task's cgroup with the THP fault's gfp mask; on failure the block goes back to the buddy
    /// allocator and the fault falls back to small pages (`thp_fault_fallback_charge`).
    mutating func chargeHugePage(_ head: PageFrameNumber, gfp: GFPMask) -> Bool {
        guard let g = memcgToCharge(.anonHuge) else { return true }
        guard tryChargeMemcg(g, pages: HugePage.pages, gfp: gfp) else {
            frames.setUse(head, order: HugePage.order, .anonHuge)
            frames.freePages(head, order: HugePage.order)
            return false
        }
        frames.setMemcg(head, order: HugePage.order, g)
        memcg.count(g) { $0.thpFaultAlloc += 1 }
        return true
    }
}
