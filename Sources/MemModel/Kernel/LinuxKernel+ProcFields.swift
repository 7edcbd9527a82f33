import MemTrace

/// The /proc/meminfo and /proc/vmstat fields the kernel model can state, in the kernel's order.
extension LinuxKernel {
    /// Pages in VMAs charged to the commit (VM_ACCOUNT) plus shmem: Committed_AS (`vm_committed_as`).
    public var committedPages: UInt64 {
        var n: UInt64 = 0
        for p in processes.values { for v in p.space.areas where v.flags.contains(.account) { n += (v.end - v.start) >> 12 } }
        return n + frames.pages(of: .shmem)
    }

    /// MemAvailable in pages (`si_mem_available`).
    public var memAvailablePages: UInt64 {
        frames.memAvailable(fileLRU: frames.pages(of: .file), reclaimableSlab: slab.reclaimablePages)
    }

    /// /proc/meminfo, label → kB (HugePages_* are counts), in `meminfo_proc_show` order.
    public func meminfoFields() -> [(String, UInt64)] {
        let kb = { (p: UInt64) in p * 4 }
        let file = frames.pages(of: .file), shmem = frames.pages(of: .shmem), anon = frames.pages(of: .anonymous) + frames.pages(of: .anonHuge)
        let sr = slab.reclaimablePages, su = slab.unreclaimablePages
        let total = frames.totalPages
        return [
            ("MemTotal", kb(total)), ("MemFree", kb(frames.buddyFreePages)), ("MemAvailable", kb(memAvailablePages)),
            ("Buffers", 0), ("Cached", kb(file + shmem)), ("SwapCached", 0),
            ("Active", 0), ("Inactive", kb(anon + shmem + file)), ("Active(anon)", 0), ("Inactive(anon)", kb(anon + shmem)),
            ("Active(file)", 0), ("Inactive(file)", kb(file)), ("Unevictable", 0), ("Mlocked", 0),
            ("SwapTotal", 0), ("SwapFree", 0), ("Zswap", 0), ("Zswapped", 0),
            ("Dirty", kb(cache.dirtyPages)), ("Writeback", 0), ("AnonPages", kb(anon)), ("Mapped", kb(stats.mappedPages)),
            ("Shmem", kb(shmem)), ("KReclaimable", kb(sr)), ("Slab", kb(sr + su)), ("SReclaimable", kb(sr)), ("SUnreclaim", kb(su)),
            ("KernelStack", 0), ("PageTables", kb(frames.pages(of: .pageTable))), ("NFS_Unstable", 0), ("Bounce", 0),
            ("WritebackTmp", 0), ("CommitLimit", kb(total / 2)), ("Committed_AS", kb(committedPages)),
            ("VmallocTotal", 34_359_738_367), ("VmallocUsed", 0), ("VmallocChunk", 0), ("Percpu", 0),
            ("HardwareCorrupted", 0), ("AnonHugePages", kb(frames.pages(of: .anonHuge))), ("ShmemHugePages", 0), ("ShmemPmdMapped", 0),
            ("FileHugePages", 0), ("FilePmdMapped", 0), ("HugePages_Total", 0), ("HugePages_Free", 0),
            ("HugePages_Rsvd", 0), ("HugePages_Surp", 0), ("Hugepagesize", 2048), ("Hugetlb", 0),
        ]
    }

    /// /proc/vmstat name → value for the counters the model keeps, in `vmstat_text` order.
    public func vmstatFields() -> [(String, UInt64)] {
        let file = frames.pages(of: .file), shmem = frames.pages(of: .shmem), anon = frames.pages(of: .anonymous) + frames.pages(of: .anonHuge)
        var out: [(String, UInt64)] = [
            ("nr_free_pages", frames.buddyFreePages), ("nr_zone_inactive_anon", anon + shmem), ("nr_zone_active_anon", 0),
            ("nr_zone_inactive_file", file), ("nr_zone_active_file", 0), ("nr_zone_unevictable", 0),
            ("nr_zone_write_pending", 0), ("nr_mlock", 0), ("nr_bounce", 0), ("nr_zspages", 0), ("nr_free_cma", 0),
            ("nr_inactive_anon", anon + shmem), ("nr_active_anon", 0), ("nr_inactive_file", file), ("nr_active_file", 0),
            ("nr_unevictable", 0), ("nr_slab_reclaimable", slab.reclaimablePages), ("nr_slab_unreclaimable", slab.unreclaimablePages),
            ("nr_anon_pages", anon), ("nr_mapped", stats.mappedPages), ("nr_file_pages", file + shmem),
            ("nr_dirty", cache.dirtyPages), ("nr_writeback", 0), ("nr_shmem", shmem),
            ("nr_page_table_pages", frames.pages(of: .pageTable)),
            ("nr_anon_transparent_hugepages", frames.pages(of: .anonHuge) / 512),
            ("pgpgin", stats.pgpgin), ("pgpgout", stats.pgpgout), ("pswpin", 0), ("pswpout", 0),
        ]
        for t in ZoneType.all {
            out.append(("pgalloc_" + t.vmstatName, frames.zones.filter { $0.type == t }.reduce(0) { $0 + $1.pgalloc }))
        }
        let s = frames.stats
        out += [
            ("pgfree", stats.pgfree), ("pgfault", stats.pgfault), ("pgmajfault", stats.pgmajfault), ("pgreuse", stats.pgreuse),
            ("pgmigrate_success", s.pgmigrateSuccess), ("pgmigrate_fail", s.pgmigrateFail),
            ("compact_migrate_scanned", s.compactMigrateScanned), ("compact_free_scanned", s.compactFreeScanned),
            ("compact_isolated", s.compactIsolated), ("compact_stall", s.compactStall), ("compact_fail", s.compactFail),
            ("compact_success", s.compactSuccess), ("compact_daemon_wake", s.compactDaemonWake),
            ("compact_daemon_migrate_scanned", s.compactDaemonMigrateScanned),
            ("compact_daemon_free_scanned", s.compactDaemonFreeScanned), ("oom_kill", stats.oomKill),
            ("thp_fault_alloc", stats.thpFaultAlloc), ("thp_fault_fallback", stats.thpFaultFallback),
            ("thp_split_page", stats.thpSplitPage), ("thp_split_pmd", stats.thpSplitPmd),
            ("thp_zero_page_alloc", stats.thpZeroPageAlloc),
        ]
        return out
    }
}
