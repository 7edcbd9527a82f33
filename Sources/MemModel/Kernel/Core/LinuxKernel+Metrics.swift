import MemTrace

extension LinuxKernel {
    /// The counters this kernel records, in stored order (`CounterRegistry`).
    public var counters: CounterRegistry { CounterRegistry(self) }

    /// Counter names, in the order of `counterValues()`: the registry's names.
    public var counterNames: [String] { counters.names }

    /// The current counter values (see `counterNames`), from the same registry.
    public func counterValues() -> [Int64] { counters.values(self) }

    /// The value of one counter now.
    public func value(of counter: KernelCounter) -> Int64 { counter.value(self) }

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
        var out = counters.counters.map { ($0.name, Double($0.value(self))) }
        out.append(("kernel.cow_copies", Double(stats.cowCopies)))
        out.append(("kernel.sigsegv", Double(stats.segv)))
        out.append(("kernel.sigbus", Double(stats.sigbus)))
        let ignored = stats.touchesIgnored + heldTouchCount
        if ignored > 0 { out.append(("kernel.touches_ignored", Double(ignored))) }
        if stats.reservesUnprotected > 0 { out.append(("kernel.reserve_pages_unprotected", Double(stats.reservesUnprotected))) }
        if stats.kswapdRequests > 0 { out.append(("kernel.kswapd_requests", Double(stats.kswapdRequests))) }
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
