import MemTrace

extension LinuxKernel {
    /// The table frames the x86_64 page walker reads for `address` in `pid` — PGD, PUD, PMD and
    /// PTE page, top first (`PageTable.walk`); shorter where a level is missing, `.unknown` for an
    /// unknown or dead process. A 2 MiB THP mapping ends at the PMD page with size 2M.
    public func pageWalk(pid: ProcessID, address: UInt64) -> PageWalk {
        guard let p = tasks[pid], p.alive else { return .unknown }
        let vpn = Page.number(of: address)
        let t = p.table
        var w = PageWalk()
        w.append(t.pgd)
        guard let a = t.pud[vpn >> 27] else { return w }
        w.append(a)
        guard let b = t.pmd[vpn >> 18] else { return w }
        w.append(b)
        if t.hasHuge && t.hugeEntry(vpn) != nil { w.pageSize = .size2M; return w }
        guard let c = t.pte[vpn >> 9] else { return w }
        w.append(c)
        return w
    }

    /// Queues a TLB invalidation of [start, end) of `pid` for the hardware (byte addresses).
    @usableFromInline mutating func queueTLBInvalidate(_ pid: ProcessID, _ start: UInt64, _ end: UInt64) {
        guard end > start else { return }
        changes.append(.tlbInvalidate(pid: pid, firstVPN: Page.number(of: start), endVPN: Page.count(covering: end)))
    }
}

extension LinuxKernel {
    /// The node and zone type of `frame` (`page_to_nid`, `page_zonenum`), from the table of
    /// managed pfn ranges fixed at boot (`FrameLocations`); nil for the zero page and every pfn
    /// outside managed memory.
    public func frameLocation(_ frame: PageFrameNumber) -> (node: Int, zone: ZoneType)? {
        guard frame != frames.zeroPage else { return nil }
        return frames.locations.location(of: frame)
    }
}
