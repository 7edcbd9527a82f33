import MemTrace

/// What reclaim did with one anonymous folio (`shrink_folio_list`'s anon path).
enum AnonReclaim {
    /// Freed: clean, unmapped, out of the swap cache (pages).
    case reclaimed(UInt64)
    /// Written to swap; it rotates to the inactive tail for a later pass (pages).
    case pagedOut(UInt64)
    /// Back on the inactive list, or activated (no swap slot).
    case kept
}

extension LinuxKernel {
    /// `shrink_folio_list` for an anonymous folio reclaim chose: `add_to_swap` (a THP is split
    /// first, `thp_swpout_fallback`, as a rotational swap device has no clusters to take it
    /// whole: its other 511 pages join `work`), `try_to_unmap` (each PTE becomes the swap entry,
    /// a dirty PTE dirties the folio), `pageout` → `swap_writepage` (pswpout; the write completes
    /// at once and the folio rotates to the inactive tail, `folio_rotate_reclaimable`), and for a
    /// clean, unmapped swap-cache folio `__remove_mapping`: out of the swap cache with a shadow
    /// entry, freed. With no swap slot left the folio is activated (`activate_locked_split`).
    mutating func reclaimAnonymous(_ f: PageFrameNumber, _ v: Int, _ sc: inout ScanControl, work: inout [PageFrameNumber]) -> AnonReclaim {
        if swapEntry(of: f) == nil {
            guard sc.maySwap, swapRoom(frames.memcgOf(f)) > 0 else { activate(f); return .kept }
            if frames.useOf(f) == .anonHuge {
                guard splitForSwap(f) else { activate(f); return .kept }
                swap.stats.thpSwpoutFallback += 1
                for i in 1..<HugePage.pages { work.append(PageFrameNumber(f.rawValue + i)) }
            }
            guard let e = swap.allocate() else { activate(f); return .kept }
            // The cgroup's memory.swap.max may refuse the slot (`mem_cgroup_try_charge_swap`).
            guard chargeSwap(f, e) else { swap.release(e); activate(f); return .kept }
            addToSwapCache(e, f)
            frames.updateFolioFlags(f) { $0.insert(.dirty) }       // add_to_swap: folio_mark_dirty
        }
        if frames.mapCountOf(f) > 0 && !unmapToSwap(f) { activate(f); return .kept }
        if frames.folioFlags(f).contains(.dirty) {
            guard sc.mayWritepage else { putBack(f); return .kept }
            swap.stats.pswpout += 1
            stats.pgpgout += 4
            reclaim.stats.vmscanWrite += 1
            reclaim.stats.pgrotated += 1
            frames.updateFolioFlags(f) { $0.remove([.dirty, .reclaim]) }
            frames.lruAddTail(f, .inactiveAnon)
            return .pagedOut(1)
        }
        removeSwapCacheFolio(f, v, evicted: true)
        return .reclaimed(1)
    }

    /// `__remove_mapping` / `folio_free_swap` for a swap-cache folio: it leaves the swap cache
    /// (with a shadow entry when reclaim evicted it: `workingset_eviction`) and its frame is freed.
    mutating func removeSwapCacheFolio(_ f: PageFrameNumber, _ v: Int, evicted: Bool) {
        var shadow: ShadowEntry?
        if evicted {
            reclaim.age(v, by: 1)
            shadow = ShadowEntry(lruvec: v, eviction: reclaim.vectors[v].nonresidentAge, workingset: frames.folioFlags(f).contains(.workingset))
        }
        deleteFromSwapCache(f, shadow: shadow)
        frames.lruDelete(f)
        frames.updateFolioFlags(f) { $0 = [] }
        freeFrame(f)
    }

    /// `try_to_unmap` of an anonymous folio in the swap cache: every PTE mapping it becomes its
    /// swap entry (`swap_duplicate`, MM_ANONPAGES → MM_SWAPENTS); a dirty PTE dirties the folio.
    /// True when nothing maps it afterwards.
    mutating func unmapToSwap(_ f: PageFrameNumber) -> Bool {
        guard let e = swapEntry(of: f) else { return false }
        // The first mapping held apart: a page mapped once (the common case) allocates no list.
        var first: (ProcessState, UInt64)?
        var more: [(ProcessState, UInt64)] = []
        rmapWalk(f) { p, _, vpn in
            if first == nil { first = (p, vpn) } else { more.append((p, vpn)) }
            return true
        }
        guard let first else { return frames.mapCountOf(f) == 0 }
        unmapOne(f, e, first.0, first.1)
        for (p, vpn) in more { unmapOne(f, e, p, vpn) }
        return frames.mapCountOf(f) == 0
    }

    /// `try_to_unmap_one` for a swap-cache page: the PTE at `vpn` of `p` becomes swap entry `e`
    /// (a reference to the slot taken), the PTE's dirty bit moved to the folio.
    private mutating func unmapOne(_ f: PageFrameNumber, _ e: SwapEntry, _ p: ProcessState, _ vpn: UInt64) {
        guard let pte = p.table.entry(vpn), swap.duplicate(e) else { return }
        if pte.flags.contains(.dirty) { frames.updateFolioFlags(f) { $0.insert(.dirty) } }
        zap(p, vpn)
        p.table.setSwapEntry(vpn, e)
        queueTLBInvalidate(p.pid, Page.address(ofNumber: vpn), Page.address(ofNumber: vpn + 1))
    }

    /// Splits the THP headed by `head` for swap-out: every PMD mapping it (found through its
    /// anon_vma's processes) is split to PTEs, and the last split splits the folio itself
    /// (`split_huge_pmd` then `split_folio_to_list`); its small pages come off the LRU, isolated
    /// like the head. False when some PMD mapping could not be found.
    mutating func splitForSwap(_ head: PageFrameNumber) -> Bool {
        for (p, vpn) in hugeMappers(head) { splitHugeMapping(p, vpn) }
        guard frames.useOf(head) != .anonHuge else { return false }
        for i in 0..<HugePage.pages { frames.lruDelete(PageFrameNumber(head.rawValue + i)) }
        return true
    }

    /// The (process, first virtual page) of each PMD mapping the THP headed by `head`: where its
    /// owner says first, then any huge entry of a private VMA with an anon_vma (after mremap).
    func hugeMappers(_ head: PageFrameNumber) -> [(ProcessState, UInt64)] {
        var left = Int(frames.entireMapCountOf(head))
        guard left > 0 else { return [] }
        let owner = frames.ownerOf(head)
        var found: [(ProcessState, UInt64)] = []
        for pid in tasks.order {
            guard left > 0, let p = tasks[pid], p.alive, p.table.hasHuge else { continue }
            if let e = p.table.hugeEntry(owner.index), e.frame == head {
                found.append((p, HugePage.firstPage(ofNumber: owner.index))); left -= 1; continue
            }
            for v in p.space.areas where v.anonVMA != 0 && !v.isShared {
                for (vpn, e) in p.table.hugeMappings(Page.number(of: v.start), Page.number(of: v.end)) where e.frame == head {
                    found.append((p, vpn)); left -= 1
                }
            }
        }
        return found
    }

    /// True when `f` is in the swap cache and a swap entry still names its slot: a write must
    /// copy it (`wp_can_reuse_anon_folio` after `folio_free_swap` failed).
    @inlinable func sharedThroughSwap(_ f: PageFrameNumber) -> Bool {
        guard let e = swapEntry(of: f) else { return false }
        return swap.count(e) > 0
    }

    /// `free_swap_and_cache` for a swap entry `zap_pte_range` drops (munmap, exit,
    /// MADV_DONTNEED): one reference less; a slot only the swap cache still holds frees its
    /// unmapped cached folio (`__try_to_reclaim_swap`). Returns frames freed.
    @discardableResult
    mutating func freeSwapAndCache(_ e: SwapEntry) -> UInt64 {
        guard !swap.free(e) else { return 0 }
        guard swap.count(e) == 0, let f = swap.cachedFrame(e), frames.mapCountOf(f) == 0 else { return 0 }
        guard let node = frames.locations.location(of: f)?.node else { return 0 }
        removeSwapCacheFolio(f, lruvec(node: node), evicted: false)
        return 1
    }

    /// Drops the swap entries of `p` in [start, end) (`zap_pte_range`'s non-present entries).
    /// Returns frames freed.
    @discardableResult
    mutating func zapSwapEntries(_ p: ProcessState, _ start: UInt64, _ end: UInt64) -> UInt64 {
        guard p.table.hasSwapEntries else { return 0 }
        var freed: UInt64 = 0
        for (vpn, e) in p.table.swapEntries(Page.number(of: start), Page.count(covering: end)) {
            p.table.removeSwapEntry(vpn)
            freed += freeSwapAndCache(e)
        }
        return freed
    }
}
