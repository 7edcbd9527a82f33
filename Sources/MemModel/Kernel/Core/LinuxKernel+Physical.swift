import MemTrace

/// Where the kernel model meets the physical layer after each event: kernel objects allocated
/// from and freed to SLUB as processes, threads, VMAs and files come and go (`dup_task_struct`,
/// `mm_alloc`, `vm_area_alloc`, `d_alloc`, `alloc_inode`, and their frees), kcompactd's
/// proactive check, compaction's page moves applied to PTEs and the page cache
/// (`remove_migration_ptes`, `folio_migrate_mapping`), and the kswapd wake-ups the physical layer
/// reported taken (`wakeup_kswapd`).
extension LinuxKernel {
    /// True when `settle()` has work.
    @inlinable var needsSettle: Bool {
        accountedChanges != changes.count || !frames.pendingMigrations.isEmpty || frames.kcompactdDue
            || !frames.pendingKswapdWakeups.isEmpty || memcgPagesOverHigh > 0
    }

    @inlinable mutating func settleIfNeeded() { if needsSettle { settle() } }

    /// Accounts kernel objects for the changes of the event, runs kcompactd when due, repoints
    /// the users of pages compaction moved, and takes the kswapd wake-ups.
    @usableFromInline mutating func settle() {
        if accountedChanges < changes.count { accountKernelObjects() }
        frames.kcompactdTick()
        if !frames.pendingMigrations.isEmpty { applyMigrations() }
        if !frames.pendingKswapdWakeups.isEmpty { noteKswapdWakeups() }
        if memcgPagesOverHigh > 0 { handleOverHigh() }
    }

    /// Takes the physical layer's kswapd wake-ups (one per node woken since the last take, each
    /// with the highest order and zone index asked), counts them, and lets kswapd answer them
    /// (`runKswapd`: `balance_pgdat` for each node that needs it).
    mutating func noteKswapdWakeups() {
        lastKswapdWakeups = frames.takeKswapdWakeups()
        stats.kswapdRequests += UInt64(lastKswapdWakeups.count)
        runKswapd(lastKswapdWakeups)
    }

    mutating func allocObjects(_ names: [String]) -> [SlabObject] {
        var out: [SlabObject] = []
        for n in names {
            guard let c = slab.cache(named: n), let o = slab.allocate(c, memory: &frames) else { continue }
            out.append(o)
        }
        return out
    }

    mutating func freeObjects(_ objects: [SlabObject]) {
        for o in objects { slab.free(o, memory: &frames) }
    }

    static let processCaches = ["task_struct", "mm_struct", "signal_cache", "sighand_cache", "files_cache", "pid"]
    static let threadCaches = ["task_struct", "pid"]

    mutating func accountKernelObjects() {
        while accountedChanges < changes.count {
            let change = changes[accountedChanges]
            accountedChanges += 1
            switch change {
            case let .vmaChanged(_, v):
                if kernelObjects.vmas[v.id] == nil, let o = allocObjects(["vm_area_struct"]).first { kernelObjects.vmas[v.id] = o }
            case let .vmaRemoved(_, v):
                if let o = kernelObjects.vmas.removeValue(forKey: v.id) { slab.free(o, memory: &frames) }
            case let .processStarted(pid, _, _):
                if let old = kernelObjects.processes.removeValue(forKey: pid) { freeObjects(old) }
                kernelObjects.processes[pid] = allocObjects(LinuxKernel.processCaches)
            case let .processEnded(pid, _):
                if let old = kernelObjects.processes.removeValue(forKey: pid) { freeObjects(old) }
            case let .threadStarted(tid, pid):
                if tid.rawValue != pid.rawValue && kernelObjects.threads[tid] == nil {
                    kernelObjects.threads[tid] = allocObjects(LinuxKernel.threadCaches)
                }
            case let .threadEnded(tid, _):
                if let old = kernelObjects.threads.removeValue(forKey: tid) { freeObjects(old) }
            case let .fileChanged(id, _, _):
                if kernelObjects.files[id] == nil { kernelObjects.files[id] = allocObjects(["dentry", "inode_cache"]) }
            default:
                break
            }
        }
    }

    /// Repoints every PTE and page-cache entry of a moved page to its new frame (following
    /// chains when a page moved twice).
    mutating func applyMigrations() {
        var forward: [PageFrameNumber: PageFrameNumber] = [:]
        var origin: [PageFrameNumber: PageFrameNumber] = [:]
        for m in frames.takeMigrations() {
            if let o = origin.removeValue(forKey: m.from) { forward[o] = m.to; origin[m.to] = o } else { forward[m.from] = m.to; origin[m.to] = m.from }
        }
        for pid in processes.keys.sorted() {
            let p = processes[pid]!
            var updates: [(UInt64, PageTableEntry)] = []
            for (vpn, e) in p.table.allEntries {
                if let to = forward[e.frame] { var n = e; n.frame = to; updates.append((vpn, n)) }
            }
            for (vpn, e) in updates { p.table.update(vpn, e) }
        }
        cache.migrate(forward)
        swap.migrate(forward)
    }
}
