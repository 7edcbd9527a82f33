import MemTrace

extension LinuxKernel {
    /// `do_swap_page` (mm/memory.c): a fault on a page in swap. The swap cache is looked up
    /// first (`lookup_swap_cache`, a minor fault; a page read ahead counts as a readahead hit);
    /// else `swapin_readahead` reads the slot's cluster window (a major fault, PGMAJFAULT). The
    /// page is mapped with this PTE's reference dropped (`swap_free`); writable at once only on a
    /// write fault when the entry was this process's alone (the exclusive bit), else read-only
    /// and a write copies it (`do_wp_page`). The folio leaves the swap cache when nothing else
    /// names the slot and swap is half full, the VMA is locked, or the fault writes
    /// (`should_try_to_free_swap`, `folio_free_swap`).
    mutating func swapInFault(_ p: ProcessState, _ vi: Int, _ vpn: UInt64, _ e: SwapEntry, write: Bool) -> Translation {
        let vma = p.space.areas[vi]
        guard let (frame, major) = readSwapPage(e) else { return p.alive ? oom(p, vma.id) : Translation(fault: .oom, frame: PageFrameNumber(0), vma: vma.id) }
        guard p.alive, p.table.swapEntry(vpn) == e else {
            // Direct reclaim for the readahead's frames ended this process (the OOM killer).
            return Translation(fault: .oom, frame: PageFrameNumber(0), vma: vma.id)
        }
        let exclusive = swap.count(e) == 1
        p.table.removeSwapEntry(vpn)
        if frames.ownerOf(frame).kind != .anonymous {
            frames.setOwner(frame, .anonymous(prepareAnonVMA(p, vi), vpn: vpn))
        }
        var flags: PTEFlags = [.anonymous]
        if write && exclusive { flags.formUnion([.writable, .dirty]) }
        guard install(p, vpn, frame, flags) else { swap.duplicate(e); p.table.setSwapEntry(vpn, e); return oom(p, vma.id) }
        swap.free(e)
        if swap.count(e) == 0 && (swap.isHalfFull || vma.flags.contains(.locked) || (write && exclusive)) {
            deleteFromSwapCache(frame)
            frames.updateFolioFlags(frame) { $0.remove(.dirty) }
        }
        let kind: FaultKind = major ? .swapInMajor : .swapIn
        if write && !exclusive, let pte = p.table.entry(vpn) {
            let t = writeProtectFault(p, vi, vpn, pte)
            return Translation(fault: t.fault.isSignal ? t.fault : kind, frame: t.frame, vma: vma.id)
        }
        return Translation(fault: kind, frame: frame, vma: vma.id)
    }

    /// The page of slot `e` in a frame, as both fault paths get it: from the swap cache
    /// (`lookup_swap_cache`, a minor fault; a page read ahead counts as a readahead hit), else read
    /// with its readahead window (a major fault, PGMAJFAULT). Waiting for a workingset page's read
    /// is a memory stall (`folio_wait_bit_common` under `psi_memstall_enter`); the window's pages
    /// come in one request. Nil when no frame could be had.
    mutating func readSwapPage(_ e: SwapEntry) -> (frame: PageFrameNumber, major: Bool)? {
        if let f = swap.cachedFrame(e) {
            _ = swap.noteLookup(f)
            return (f, false)
        }
        guard let f = swapReadahead(e) else { return nil }
        stats.pgmajfault += 1
        if frames.folioFlags(f).contains(.workingset) {
            stall.swapIn += configuration.swap?.readNanoseconds ?? SwapConfiguration.measuredReadNanoseconds
        }
        return (f, true)
    }

    /// `swap_cluster_readahead` (mm/swap_state.c, the path for rotational swap devices): the
    /// aligned window of `swapin_nr_pages` slots around `e` is read into the swap cache, each slot
    /// in use and not cached yet (`__read_swap_cache_async`: a new folio on the inactive anon
    /// list, `workingset_refault` with the slot's shadow, PSWPIN; SWAP_RA and PG_readahead for the
    /// neighbours). Returns the frame holding `e`'s page; nil when no frame could be had for it.
    mutating func swapReadahead(_ e: SwapEntry) -> PageFrameNumber? {
        let area = swap.areas[e.area]
        let window = UInt64(swap.readaheadPages(offset: e.offset, pageCluster: pageCluster))
        var start = e.offset, end = e.offset
        if window > 1 {
            let mask = window - 1
            start = max(e.offset & ~mask, 1)
            end = min(e.offset | mask, UInt64(area.map.count) - 1)
        }
        for offset in start...end {
            let slot = SwapEntry(area: e.area, offset: offset)
            guard swap.cachedFrame(slot) == nil, swap.count(slot) > 0 else { continue }
            guard let f = allocateFrame(.anonymous) else {
                if offset == e.offset { return nil }
                continue
            }
            // The allocation may have reclaimed: check the slot again before reading it.
            guard swap.cachedFrame(slot) == nil, swap.count(slot) > 0 else { frames.lruDelete(f); freeFrame(f); continue }
            swap.setCacheBit(slot)
            addToSwapCache(slot, f)
            swap.stats.pswpin += 1
            stats.pgpgin += 4
            anonWorkingsetRefault(slot, frame: f)
            if offset != e.offset {
                swap.markReadahead(f)
                swap.stats.swapRA += 1
            }
        }
        // Compaction for the new frames may have moved cached pages: repoint before using them.
        if !frames.pendingMigrations.isEmpty { applyMigrations() }
        return swap.cachedFrame(e)
    }

    /// `workingset_refault` for a page read back from swap: the refault distance against the
    /// workingset (active and inactive file, and active anon while swap is left) decides whether
    /// it starts active; a page that was in the workingset has PG_workingset restored, charges
    /// the refault to the anon cost.
    mutating func anonWorkingsetRefault(_ e: SwapEntry, frame: PageFrameNumber) {
        guard let shadow = swap.takeShadow(e), shadow.lruvec < reclaim.vectors.count else { return }
        let v = shadow.lruvec
        reclaim.stats.workingsetRefaultAnon += 1
        let distance = reclaim.vectors[v].nonresidentAge &- shadow.eviction
        let top = ZoneType.all.last!
        var workingset = lruSize(v, .activeFile, upTo: top) + lruSize(v, .inactiveFile, upTo: top)
        if swapPagesFree > 0 { workingset += lruSize(v, .activeAnon, upTo: top) }
        guard distance <= workingset else { return }
        reclaim.age(v, by: 1)
        reclaim.noteActivation(v, file: false, pages: 1)
        reclaim.stats.workingsetActivateAnon += 1
        if frames.lruListOf(frame) == .inactiveAnon {
            frames.lruDelete(frame)
            frames.lruAdd(frame, .activeAnon)
        }
        if shadow.workingset {
            frames.updateFolioFlags(frame) { $0.insert(.workingset) }
            reclaim.noteCost(v, file: false, pages: 1, lruPages: evictableSize(v))
            reclaim.stats.workingsetRestoreAnon += 1
        }
    }
}
