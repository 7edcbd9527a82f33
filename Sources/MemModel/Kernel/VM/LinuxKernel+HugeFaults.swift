import MemTrace

/// Transparent huge pages for anonymous memory (mm/huge_memory.c): the PMD-level fault, the huge
/// zero page, copy-on-write of a huge PMD, splitting a PMD into PTEs, and zapping.
extension LinuxKernel {
    /// `do_huge_pmd_anonymous_page` after `__transparent_hugepage_enabled` and
    /// `transhuge_vma_suitable`: nil when the fault is not a THP fault or falls back to 4 KiB pages
    /// (no order-9 block: thp_fault_fallback), else the outcome of mapping 2 MiB at once.
    mutating func hugeAnonymousFault(_ p: ProcessState, _ vi: Int, _ vpn: UInt64, write: Bool) -> Translation? {
        let vma = p.space.areas[vi]
        guard thpFaultAllowed(vma, vpn), !p.table.hasPTEPage(vpn) else { return nil }
        if !write && vm.thpUseZeroPage {
            guard let zero = hugeZeroPage() else { stats.thpFaultFallback += 1; return nil }
            guard mapHugeEntry(p, vpn, PageTableEntry(frame: zero, flags: [.present, .user]), protecting: nil) else {
                return oom(p, vma.id)
            }
            return Translation(fault: .thpZeroPage, frame: PageFrameNumber(zero.rawValue + HugePage.index(ofNumber: vpn)), vma: vma.id)
        }
        let place = numa.engaged ? placement(for: .anonHuge, order: HugePage.order) : .anywhere
        guard let head = frames.allocatePages(order: HugePage.order, gfp: thpGFP(vma), node: place.node, nodemask: place.allowed) else {
            stats.thpFaultFallback += 1; return nil
        }
        guard chargeHugePage(head, gfp: thpGFP(vma)) else { stats.thpFaultFallback += 1; return nil }
        frames.setUse(head, order: HugePage.order, .anonHuge)
        frames.lruAdd(head, .inactiveAnon)
        stats.pgalloc += HugePage.pages
        let entry = PageTableEntry(frame: head, flags: [.present, .user, .accessed, .writable, .anonymous, .dirty])
        guard mapHugeEntry(p, vpn, entry, protecting: head) else {
            memcgUncharge(head, pages: HugePage.pages); frames.freePages(head, order: HugePage.order); stats.pgfree += HugePage.pages
            return oom(p, vma.id)
        }
        frames.adjustEntireMapCount(head, by: 1)
        frames.setOwner(head, order: HugePage.order, .anonymous(prepareAnonVMA(p, vi), vpn: HugePage.firstPage(ofNumber: vpn)))
        if vma.flags.contains(.locked) { mlockFolio(head) }     // `mlock_new_folio`
        p.rssAnon += HugePage.pages
        p.noteGrowth()
        stats.thpFaultAlloc += 1
        return Translation(fault: .thpNew, frame: PageFrameNumber(head.rawValue + HugePage.index(ofNumber: vpn)), vma: vma.id)
    }

    /// The fault-time check (`hugepage_vma_check` with in_pf, then `transhuge_vma_suitable` at the
    /// aligned address): THP allowed for the VMA and the whole aligned 2 MiB inside it.
    @inlinable func thpFaultAllowed(_ vma: VirtualMemoryArea, _ vpn: UInt64) -> Bool {
        guard thpPolicyAllows(vma) else { return false }
        let haddr = HugePage.address(ofNumber: vpn)
        return haddr >= vma.start && haddr + HugePage.size <= vma.end
    }

    /// `vma_thp_gfp_mask` (6.1): what the order-9 allocation may do, by the defrag setting and
    /// whether the VMA was madvised.
    func thpGFP(_ vma: VirtualMemoryArea) -> GFPMask {
        let light: GFPMask = [.highmem, .movable, .comp, .noWarn]
        let madvised = vma.flags.contains(.hugePage)
        switch vm.thpDefrag {
        case .always: return light.union(madvised ? [.directReclaim] : [.directReclaim, .noRetry])
        case .defer_: return light.union(.kswapdReclaim)
        case .deferMadvise: return light.union(madvised ? .directReclaim : .kswapdReclaim)
        case .madvise: return madvised ? light.union(.directReclaim) : light
        case .never: return light
        }
    }

    /// The huge zero page, allocated on first use (`get_huge_zero_page`; counts thp_zero_page_alloc).
    mutating func hugeZeroPage() -> PageFrameNumber? {
        if let z = hugeZeroFrame { return z }
        guard let z = frames.allocatePages(order: HugePage.order, gfp: [.reclaim, .comp, .noWarn, .zero]) else { return nil }
        frames.setUse(z, order: HugePage.order, .kernel)
        stats.pgalloc += HugePage.pages
        stats.thpZeroPageAlloc += 1
        hugeZeroFrame = z
        return z
    }

    /// `do_huge_pmd_wp_page`: a write to a write-protected huge entry. The huge zero page and a
    /// THP shared with another mapping are split and the write retried on the 4 KiB PTE
    /// (`__split_huge_pmd`, VM_FAULT_FALLBACK); a THP mapped only here is reused whole.
    mutating func hugeWriteProtectFault(_ p: ProcessState, _ vi: Int, _ vpn: UInt64, _ e: PageTableEntry) -> Translation {
        let id = p.space.areas[vi].id
        let head = e.frame
        if head != hugeZeroFrame && frames.entireMapCountOf(head) == 1 && !subpagesMapped(head) {
            var n = e; n.flags.formUnion([.writable, .dirty]); p.table.updateHuge(vpn, n)
            queueTLBInvalidate(p.pid, HugePage.address(ofNumber: vpn), HugePage.address(ofNumber: vpn) + HugePage.size)
            return Translation(fault: .thpReuse, frame: PageFrameNumber(head.rawValue + HugePage.index(ofNumber: vpn)), vma: id)
        }
        splitHugeMapping(p, vpn)
        return writeProtectFault(p, vi, vpn, p.table.entry(vpn)!)
    }

    /// True when a PTE maps any subpage of the THP at `head`.
    func subpagesMapped(_ head: PageFrameNumber) -> Bool {
        (0..<HugePage.pages).contains { frames.mapCountOf(PageFrameNumber(head.rawValue + $0)) > 0 }
    }

    /// Splits the huge entry covering `vpn` into 512 PTEs (`__split_huge_pmd_locked`): each
    /// subpage gains a PTE mapping; when no PMD maps the THP any more it becomes 512 small pages
    /// (thp_split_page). The huge zero page splits into PTEs of the 4 KiB zero page.
    mutating func splitHugeMapping(_ p: ProcessState, _ vpn: UInt64) {
        guard let e = p.table.hugeEntry(vpn) else { return }
        let head = e.frame
        queueTLBInvalidate(p.pid, HugePage.address(ofNumber: vpn), HugePage.address(ofNumber: vpn) + HugePage.size)
        stats.thpSplitPmd += 1
        if head == hugeZeroFrame {
            let zero = frames.zeroPage
            p.table.splitHuge(vpn) { _ in zero }
            return
        }
        p.table.splitHuge(vpn) { PageFrameNumber(head.rawValue + $0) }
        for i in 0..<HugePage.pages { frames.adjustMapCount(PageFrameNumber(head.rawValue + i), by: 1) }
        frames.adjustEntireMapCount(head, by: -1)
        if frames.entireMapCountOf(head) <= 0 {
            splitOnLRU(head)
            stats.thpSplitPage += 1
        }
    }

    /// Splits a huge entry that straddles `address` (a VMA boundary or the edge of a zapped range
    /// not aligned to 2 MiB: `split_huge_pmd_address`, `zap_pmd_range`).
    mutating func splitHugeAt(_ p: ProcessState, _ address: UInt64) {
        guard p.table.hasHuge, !HugePage.isAligned(address), p.table.hugeEntry(Page.number(of: address)) != nil else { return }
        splitHugeMapping(p, Page.number(of: address))
    }

    /// Removes the huge entries whose 2 MiB lies inside [start, end) (`zap_huge_pmd`), after
    /// splitting those that straddle the ends. Returns the frames freed.
    mutating func zapHugeRange(_ p: ProcessState, _ start: UInt64, _ end: UInt64) -> UInt64 {
        guard p.table.hasHuge else { return 0 }
        splitHugeAt(p, start)
        splitHugeAt(p, end)
        var freed: UInt64 = 0
        for (vpn, _) in p.table.hugeMappings(Page.number(of: start), Page.number(of: end)) where Page.address(ofNumber: vpn + HugePage.pages) <= end {
            guard let (e, deposit) = p.table.unmapHuge(vpn) else { continue }
            freeFrame(deposit); freed += 1
            guard e.frame != hugeZeroFrame else { continue }
            p.rssAnon -= HugePage.pages
            frames.adjustEntireMapCount(e.frame, by: -1)
            if frames.folioFlags(e.frame).contains(.unevictable) { munlockFolio(e.frame) }
            if frames.entireMapCountOf(e.frame) > 0 { continue }
            freed += releaseHugePage(e.frame)
        }
        if freed > 0 { queueTLBInvalidate(p.pid, start, end) }
        return freed
    }

    /// Frees a THP no PMD maps any more: whole when no PTE maps a subpage either, else split
    /// into small pages with the unmapped ones freed (`deferred_split_huge_page` and the deferred
    /// split shrinker, done at once). Returns the frames freed.
    mutating func releaseHugePage(_ head: PageFrameNumber) -> UInt64 {
        if !subpagesMapped(head) {
            memcgUncharge(head, pages: HugePage.pages)
            frames.freePages(head, order: HugePage.order)
            stats.pgfree += HugePage.pages
            return HugePage.pages
        }
        splitOnLRU(head)
        stats.thpSplitPage += 1
        var freed: UInt64 = 0
        for i in 0..<HugePage.pages where frames.mapCountOf(PageFrameNumber(head.rawValue + i)) == 0 {
            freeFrame(PageFrameNumber(head.rawValue + i)); freed += 1
        }
        return freed
    }

    /// Splits every huge entry in [start, end) (before moving page tables with mremap).
    mutating func splitHugeRange(_ p: ProcessState, _ start: UInt64, _ end: UInt64) {
        guard p.table.hasHuge else { return }
        for (vpn, _) in p.table.hugeMappings(Page.number(of: start), Page.number(of: end)) { splitHugeMapping(p, vpn) }
        splitHugeAt(p, start)
    }

    /// Maps a 2 MiB entry in `p` with its table pages allocated first (`allocateTablePages`:
    /// reclaim may run, and must not split or take `protecting`, the THP being mapped).
    mutating func mapHugeEntry(_ p: ProcessState, _ vpn: UInt64, _ entry: PageTableEntry, protecting: PageFrameNumber?) -> Bool {
        guard var fresh = allocateTablePages(p, p.table.hugeTablePagesNeeded(vpn), protecting: protecting) else { return false }
        return p.table.mapHuge(vpn, entry) { fresh.popLast() }
    }

    /// PMD-mapped THPs now (AnonHugePages / 512).
    public var anonHugePages: UInt64 { frames.pages(of: .anonHuge) }
}

extension LinuxKernel {
    /// `copy_huge_pmd` at fork: each huge entry of `v` is write-protected in the parent and
    /// installed in the child with a deposited table page; the THP gains a PMD mapping.
    mutating func copyHugeMappings(_ parent: ProcessState, _ child: ProcessState, _ v: VirtualMemoryArea) -> Bool {
        for (vpn, var e) in parent.table.hugeMappings(Page.number(of: v.start), Page.number(of: v.end)) {
            if e.flags.contains(.writable) { e.flags.remove(.writable); parent.table.updateHuge(vpn, e) }
            e.flags.remove(.huge)
            guard mapHugeEntry(child, vpn, e, protecting: e.frame == hugeZeroFrame ? nil : e.frame) else { return false }
            guard e.frame != hugeZeroFrame else { continue }
            frames.adjustEntireMapCount(e.frame, by: 1)
            child.rssAnon += HugePage.pages
            child.noteGrowth()
        }
        return true
    }
}

extension LinuxKernel {
    /// `split_huge_page`: the THP's 512 pages become small anonymous pages, each its own LRU entry
    /// on the list the THP was on (`lru_add_split_folio`), in address order from the head's place.
    mutating func splitOnLRU(_ head: PageFrameNumber) {
        let list = frames.lruListOf(head) ?? .inactiveAnon
        let flags = frames.folioFlags(head)
        frames.lruDelete(head)
        frames.retag(head, order: HugePage.order, .anonymous)
        for i in (0..<HugePage.pages).reversed() {
            let f = PageFrameNumber(head.rawValue + i)
            frames.updateFolioFlags(f) { $0 = flags }
            frames.lruAdd(f, list)
        }
    }
}
