import MemTrace

extension LinuxKernel {
    /// Counter names, in the order of `counterValues()`: /proc/meminfo fields in kB, /proc/vmstat
    /// counters, and the procps `free` columns in kB.
    public var counterNames: [String] {
        ["meminfo.MemTotal", "meminfo.MemFree", "meminfo.Cached", "meminfo.Shmem", "meminfo.AnonPages",
         "meminfo.Mapped", "meminfo.PageTables", "meminfo.Dirty",
         "vmstat.pgfault", "vmstat.pgmajfault", "vmstat.pgfree", "vmstat.pgreuse", "vmstat.pgpgin", "vmstat.pgpgout",
         "vmstat.oom_kill", "free.used", "free.buff_cache", "free.shared", "processes.alive",
         "meminfo.AnonHugePages", "vmstat.thp_fault_alloc", "vmstat.thp_fault_fallback", "vmstat.thp_split_pmd"] + physicalCounterNames
    }

    /// The current counter values (see `counterNames`).
    public func counterValues() -> [Int64] {
        let m = meminfo
        let buffCache = m.cached + Int64(slab.reclaimablePages * 4)   // Buffers + Cached + SReclaimable
        return [m.total, m.free, m.cached, m.shmem, m.anon, m.mapped, m.pageTables, m.dirty,
                Int64(stats.pgfault), Int64(stats.pgmajfault), Int64(stats.pgfree), Int64(stats.pgreuse),
                Int64(stats.pgpgin), Int64(stats.pgpgout), Int64(stats.oomKill),
                m.total - m.free - buffCache, buffCache, m.shmem, Int64(processes.count),
                Int64(frames.pages(of: .anonHuge) * 4), Int64(stats.thpFaultAlloc), Int64(stats.thpFaultFallback),
                Int64(stats.thpSplitPmd)] + physicalCounterValues()
    }

    /// The meminfo fields the model computes, in kB.
    public var meminfo: (total: Int64, free: Int64, cached: Int64, shmem: Int64, anon: Int64, mapped: Int64,
                         pageTables: Int64, dirty: Int64) {
        let kb = { (pages: UInt64) in Int64(pages * 4) }
        return (kb(frames.totalPages), kb(frames.buddyFreePages), kb(frames.pages(of: .file) + frames.pages(of: .shmem)),
                kb(frames.pages(of: .shmem)), kb(frames.pages(of: .anonymous) + frames.pages(of: .anonHuge)), kb(stats.mappedPages),
                kb(frames.pages(of: .pageTable)), kb(cache.dirtyPages))
    }

    /// Per-process memory now, by pid.
    public func processUsage() -> [(pid: ProcessID, anon: UInt64, file: UInt64, shmem: UInt64, vm: UInt64)] {
        processes.keys.sorted().map { pid in
            let p = processes[pid]!
            return (pid, p.rssAnon, p.rssFile, p.rssShmem, p.space.totalPages)
        }
    }

    /// Final metrics: the counters, event counts the kernel keeps, and per process
    /// `status.<pid>.VmHWM` / `VmPeak` (kB, as /proc/PID/status prints them) for every process
    /// the run saw, plus the other `task_mem` lines (VmSize, VmLck, VmPin, VmRSS, RssAnon, RssFile,
    /// RssShmem, VmData, VmStk, VmExe, VmLib, VmPTE, VmSwap, HugetlbPages) for those still alive.
    public func metrics() -> [(name: String, value: Double)] {
        var out = zip(counterNames, counterValues()).map { ($0, Double($1)) }
        out.append(("kernel.cow_copies", Double(stats.cowCopies)))
        out.append(("kernel.sigsegv", Double(stats.segv)))
        out.append(("kernel.sigbus", Double(stats.sigbus)))
        let ignored = stats.touchesIgnored + heldTouchCount
        if ignored > 0 { out.append(("kernel.touches_ignored", Double(ignored))) }
        if stats.reservesUnprotected > 0 { out.append(("kernel.reserve_pages_unprotected", Double(stats.reservesUnprotected))) }
        out.append(("kernel.pages_allocated", Double(stats.pgalloc)))
        var peaks = finished
        for (pid, p) in processes { peaks[pid] = (max(p.hiwaterRSS, p.rss), max(p.hiwaterVM, p.space.totalPages)) }
        for pid in peaks.keys.sorted() {
            out.append(("status.\(pid).VmHWM", Double(peaks[pid]!.hwm * 4)))
            out.append(("status.\(pid).VmPeak", Double(peaks[pid]!.peak * 4)))
            // Every other task_mem line for processes still alive (ProcessState+Status.swift).
            if let s = status(of: pid) {
                for (label, kb) in s.memoryFields where label != "VmHWM" && label != "VmPeak" {
                    out.append(("status.\(pid).\(label)", Double(kb)))
                }
            }
        }
        return out
    }
}
