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

    /// Checks the whole model: frames, every address space and page table, and that RSS counters,
    /// mapcounts and page-cache contents agree. Returns each violation.
    public func invariantViolations() -> [String] {
        var problems = frames.invariantViolations()
        problems += slab.invariantViolations(memory: frames)
        var expectedMap: [PageFrameNumber: Int32] = [:]
        var expectedTHP: [PageFrameNumber: Int32] = [:]
        for pid in processes.keys.sorted() {
            let p = processes[pid]!
            problems += p.space.invariantViolations().map { "pid \(pid): \($0)" }
            problems += p.table.invariantViolations().map { "pid \(pid): \($0)" }
            var anon: UInt64 = 0, file: UInt64 = 0, shmem: UInt64 = 0
            for (vpn, e) in p.table.hugeMappings(0, UInt64.max >> 12) {
                guard let vi = p.space.find(vpn << 12), p.space[vi].start <= vpn << 12, p.space[vi].end >= (vpn + 512) << 12 else {
                    problems.append("pid \(pid): huge entry at 0x\(String(vpn << 12, radix: 16)) not inside one VMA"); continue
                }
                guard e.frame != hugeZeroFrame else { continue }
                expectedTHP[e.frame, default: 0] += 1
                anon += 512
                if frames.useOf(e.frame) != .anonHuge { problems.append("pid \(pid): huge entry maps frame \(e.frame) not held as a THP") }
            }
            for (vpn, e) in p.table.allEntries {
                if p.space.find(vpn << 12) == nil { problems.append("pid \(pid): PTE at 0x\(String(vpn << 12, radix: 16)) outside every VMA") }
                guard e.frame != frames.zeroPage else { continue }
                expectedMap[e.frame, default: 0] += 1
                if e.flags.contains(.anonymous) { anon += 1 } else if e.flags.contains(.shmem) { shmem += 1 } else { file += 1 }
                if frames.useOf(e.frame) == .free { problems.append("pid \(pid): PTE maps free frame \(e.frame)") }
            }
            if (anon, file, shmem) != (p.rssAnon, p.rssFile, p.rssShmem) {
                problems.append("pid \(pid): RSS counters \(p.rssAnon)/\(p.rssFile)/\(p.rssShmem) but PTEs say \(anon)/\(file)/\(shmem)")
            }
        }
        if expectedTHP != thpMappings { problems.append("THP PMD mapcounts \(thpMappings.count) heads differ from the page tables' \(expectedTHP.count)") }
        if frames.pages(of: .anonHuge) != UInt64(thpMappings.count) * 512 {
            problems.append("\(frames.pages(of: .anonHuge)) THP frames but \(thpMappings.count) THPs mapped")
        }
        for (f, n) in expectedMap where frames.mapCountOf(f) != n {
            problems.append("frame \(f) has mapcount \(frames.mapCountOf(f)) but \(n) PTEs map it")
        }
        var cachePages: UInt64 = 0
        for f in cache.files.values { cachePages += UInt64(f.pages.count) }
        for o in cache.shmem.values { cachePages += UInt64(o.pages.count) }
        if cachePages != frames.pages(of: .file) + frames.pages(of: .shmem) {
            problems.append("page cache holds \(cachePages) pages but \(frames.pages(of: .file) + frames.pages(of: .shmem)) frames are file/shmem")
        }
        return problems
    }
}
