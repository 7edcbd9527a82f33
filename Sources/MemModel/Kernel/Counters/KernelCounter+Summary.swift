/// The counters a run records besides the /proc/meminfo and /proc/vmstat fields: the procps
/// `free` columns, live processes, the physical layer's events and overcommit refusals (the
/// per-zone series are `ZoneCounter`s).
extension KernelCounter {
    public static let freeBuffCache = KernelCounter("free.buff_cache", .kB, "Buffers + Cached + SReclaimable (`FreeColumns.buffCache`).") {
        Int64(FreeColumns.buffCache(buffers: UInt64(buffers.value($0)), cached: UInt64(cached.value($0)),
                                    sReclaimable: UInt64(sReclaimable.value($0))))
    }
    public static let freeUsed = KernelCounter("free.used", .kB,
        "procps 3.3's used: MemTotal − MemFree − buff/cache, or MemTotal − MemFree when negative (`FreeColumns.usedProcps33`).") {
        Int64(FreeColumns.usedProcps33(total: UInt64(memTotal.value($0)), free: UInt64(memFree.value($0)),
                                       buffCache: UInt64(freeBuffCache.value($0))))
    }
    public static let freeShared = KernelCounter("free.shared", .kB, "Shmem, as `free` prints it.") { shmem.value($0) }
    public static let processesAlive = KernelCounter("processes.alive", .count, "Processes alive now.") { Int64($0.processes.count) }

    public static let kswapdWakeups = KernelCounter("phys.kswapd_wakeups", .events,
        "kswapd wake-ups requested (`wakeup_kswapd`).") { Int64($0.frames.stats.kswapdWakeups) }
    public static let extfragEvents = KernelCounter("phys.extfrag_events", .events,
        "Fallback steals from another migrate type (`mm_page_alloc_extfrag` trace events).") { Int64($0.frames.stats.extfragEvents) }
    public static let allocFailures = KernelCounter("phys.alloc_failures", .events,
        "Page allocations that failed at the reclaim seam.") { Int64($0.frames.stats.allocFailures) }
    public static let pcpKB = KernelCounter("phys.pcp_kb", .kB, "Pages on the per-CPU lists: free, but not in MemFree.") {
        kB($0.frames.pcpPages)
    }

    public static let commitRefusals = KernelCounter("commit.refusals", .events,
        "Requests `__vm_enough_memory` refused (ENOMEM from mmap, brk, mremap, mprotect, fork; stack growth ending in SIGSEGV).") {
        Int64($0.commit.refusals)
    }
}
