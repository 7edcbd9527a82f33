import MemTrace

/// Shared anonymous memory (shmem objects) in swap (mm/shmem.c, Linux 6.1): reclaim writes a
/// shmem folio to swap through `shmem_writepage`, leaving a swap entry in the object; a fault on
/// that page reads it back through `shmem_swapin_folio`.
extension LinuxKernel {
    /// `shrink_folio_list` for a shmem folio reclaim chose: unmapped everywhere (`try_to_unmap`),
    /// then `pageout` → `shmem_writepage`: a swap slot (`folio_alloc_swap`, charged to the
    /// folio's cgroup), the folio moved from the object's page cache to the swap cache
    /// (`add_to_swap_cache`, `shmem_delete_from_page_cache` leaving the swap entry, whose
    /// reference `swap_shmem_alloc` takes), and `swap_writepage` (pswpout). The folio is then a
    /// clean swap-cache page on the inactive anon tail (`folio_rotate_reclaimable`), freed by a
    /// later pass. Kept when swap is full or refused, or the folio is still mapped.
    mutating func reclaimShmem(_ f: PageFrameNumber, _ sc: inout ScanControl) -> AnonReclaim {
        let owner = frames.ownerOf(f)
        guard owner.kind == .shmem, sc.maySwap, swapRoom(frames.memcgOf(f)) > 0 else { activate(f); return .kept }
        if frames.mapCountOf(f) > 0 && !unmapEverywhere(f) { activate(f); return .kept }
        guard sc.mayWritepage else { putBack(f); return .kept }
        guard let e = swap.allocate() else { activate(f); return .kept }
        guard chargeSwap(f, e) else { swap.release(e); activate(f); return .kept }
        guard cache.shmem[owner.id]?.pages[owner.index] == f else { swap.release(e); activate(f); return .kept }
        cache.shmem[owner.id]!.pages[owner.index] = nil
        cache.shmem[owner.id]!.swapped[owner.index] = e
        swap.duplicate(e)
        frames.retag(f, order: 0, .anonymous)
        frames.setOwner(f, .none)
        addToSwapCache(e, f)
        frames.updateFolioFlags(f) { $0.remove([.dirty, .reclaim]) }
        swap.stats.pswpout += 1
        stats.pgpgout += 4
        reclaim.stats.vmscanWrite += 1
        reclaim.stats.pgrotated += 1
        frames.lruAddTail(f, .inactiveAnon)
        return .pagedOut(1)
    }

    /// `shmem_swapin_folio`: page `index` of shmem object `object` lives in swap at `e`; the swap
    /// cache is looked up first, else `swap_cluster_readahead` reads the window (a major fault,
    /// PGMAJFAULT, a memory stall for a workingset page). The folio then leaves the swap cache
    /// for the object's page cache (`shmem_add_to_page_cache`, `delete_from_swap_cache`) and the
    /// object's reference to the slot is dropped (`swap_free`). Nil when no frame could be had.
    mutating func shmemSwapIn(_ object: UInt32, _ index: UInt64, _ e: SwapEntry) -> (frame: PageFrameNumber, major: Bool)? {
        guard let (frame, major) = readSwapPage(e) else { return nil }
        // The readahead's allocations may have reclaimed or freed the object meanwhile.
        guard cache.shmem[object]?.swapped[index] == e, swap.cachedFrame(e) == frame else { return nil }
        deleteFromSwapCache(frame)
        swap.free(e)
        cache.shmem[object]!.swapped[index] = nil
        frames.retag(frame, order: 0, .shmem)
        frames.setOwner(frame, .shmem(object, page: index))
        frames.updateFolioFlags(frame) { $0.remove(.dirty) }
        cache.insertShmemPage(object, index, frame)
        return (frame, major)
    }

    /// Pages of shmem object `object` in [first, first + count) that live in swap
    /// (`shmem_partial_swap_usage`).
    public func shmemSwapped(_ object: UInt32, first: UInt64, count: UInt64) -> UInt64 {
        guard let o = cache.shmem[object], !o.swapped.isEmpty else { return 0 }
        if UInt64(o.swapped.count) <= count { return UInt64(o.swapped.keys.reduce(0) { $0 + ($1 >= first && $1 - first < count ? 1 : 0) }) }
        var n: UInt64 = 0
        for i in first..<first + count where o.swapped[i] != nil { n += 1 }
        return n
    }
}
