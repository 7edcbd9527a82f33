import MemTrace

/// What `folio_check_references` decides for one folio (`enum folio_references`, mm/vmscan.c).
enum FolioReference {
    case reclaim, reclaimClean, keep, activate
}

extension LinuxKernel {
    /// `folio_check_references`: a folio in a VM_LOCKED VMA is activated; one young PTE keeps it
    /// for another round (second chance) unless it was referenced before, has more young PTEs or
    /// is executable file text (activate); an unmapped file folio marked accessed is reclaimed if
    /// clean; the rest are reclaimed.
    mutating func checkReferences(_ f: PageFrameNumber, file: Bool) -> FolioReference {
        let r = frames.mapCountOf(f) > 0 || frames.entireMapCountOf(f) > 0 ? referenced(f) : (ptes: 0, locked: false, exec: false)
        let wasReferenced = frames.folioFlags(f).contains(.referenced)
        frames.updateFolioFlags(f) { $0.remove(.referenced) }
        // `folio_referenced_one` → `mlock_vma_folio`: a folio a VM_LOCKED VMA maps is mlocked and
        // goes to the unevictable list when put back.
        if r.locked { mlockFolio(f); return .activate }
        if r.ptes > 0 {
            frames.updateFolioFlags(f) { $0.insert(.referenced) }
            if wasReferenced || r.ptes > 1 { return .activate }
            if r.exec && file { return .activate }
            return .keep
        }
        if wasReferenced && file { return .reclaimClean }
        return .reclaim
    }

    /// `shrink_folio_list` for the model's folios: each isolated folio is activated, kept, written
    /// back or freed. Anonymous folios go to swap (`reclaimAnonymous`), activated when no slot is
    /// left, as `add_to_swap` failing does; a THP split there adds its other pages to the batch.
    /// Mapped file folios are unmapped everywhere first (`try_to_unmap`).
    /// A file folio under writeback is activated: kswapd seeing it again with PG_reclaim on a
    /// node whose batches were all under writeback (PGDAT_WRITEBACK) counts it immediate (case
    /// 1); otherwise it is marked PG_reclaim (case 2, counted toward PGDAT_WRITEBACK). Dirty file
    /// folios are written back only by kswapd, and only once seen again with PG_reclaim on a
    /// node whose batches came back all dirty (PGDAT_DIRTY); otherwise they are marked PG_reclaim
    /// and activated (`nr_vmscan_immediate_reclaim`). kswapd's `pageout` queues the folio's I/O
    /// and keeps it; when the disk completes it, it goes to the inactive tail
    /// (`folio_rotate_reclaimable`) for the next pass. A batch of nothing but dirty folios not
    /// queued for I/O wakes the flusher to write everything (`wakeup_flusher_threads`). A clean
    /// folio leaves the page cache with a shadow entry (`__remove_mapping`,
    /// `workingset_eviction`) and is freed.
    mutating func shrinkFolioList(_ folios: [PageFrameNumber], _ v: Int, _ sc: inout ScanControl)
        -> (reclaimed: UInt64, pageout: UInt64) {
        var reclaimed: UInt64 = 0, pageout: UInt64 = 0
        var dirtyUnqueued: UInt64 = 0, fileTaken: UInt64 = 0
        var taken: UInt64 = 0, underWriteback: UInt64 = 0
        let node = v % frames.nodeZones.count     // lruvec = memcg · nodes + node
        var work = folios, next = 0
        while next < work.count {
            let f = work[next]
            next += 1
            let pages = frames.folioPages(f)
            let owner = frames.ownerOf(f)
            let file = owner.kind == .file
            if file { fileTaken += pages }
            if frames.folioFlags(f).contains(.unevictable) { putBack(f); continue }
            if !sc.mayUnmap && frames.mapCountOf(f) > 0 { putBack(f); continue }
            taken += pages
            if file {
                // folio_check_dirty_writeback, then the folio_test_writeback cases.
                let id = FileID(owner.id)
                let writingBack = cache.isUnderWriteback(id, owner.index)
                if cache.isDirty(id, owner.index) && !writingBack { dirtyUnqueued += pages }
                if writingBack {
                    if !(sc.isKswapd && frames.folioFlags(f).contains(.reclaim) && reclaim.writebackNodes.contains(node)) {
                        frames.updateFolioFlags(f) { $0.insert(.reclaim) }
                        underWriteback += pages
                    }
                    activate(f)
                    continue
                }
            }
            let ref = checkReferences(f, file: file)
            switch ref {
            case .activate: activate(f); continue
            case .keep: putBack(f); continue
            case .reclaim, .reclaimClean: break
            }
            if !file {
                // Anonymous pages go to swap (`LinuxKernel+Swap`), shmem pages through
                // `shmem_writepage` (`LinuxKernel+ShmemSwap`).
                let anon = frames.useOf(f) == .anonymous || frames.useOf(f) == .anonHuge
                guard anon || frames.useOf(f) == .shmem else { activate(f); continue }
                switch anon ? reclaimAnonymous(f, v, &sc, work: &work) : reclaimShmem(f, &sc) {
                case .reclaimed(let n): reclaimed += n
                case .pagedOut(let n): pageout += n
                case .kept: break
                }
                continue
            }
            if frames.mapCountOf(f) > 0 && !unmapEverywhere(f) { activate(f); continue }
            let fileID = FileID(owner.id)
            if cache.isDirty(fileID, owner.index) {
                if !sc.isKswapd || !frames.folioFlags(f).contains(.reclaim) || !reclaim.dirtyNodes.contains(node) {
                    reclaim.stats.vmscanImmediate += pages
                    frames.updateFolioFlags(f) { $0.insert(.reclaim) }
                    activate(f)
                    continue
                }
                if ref == .reclaimClean || !sc.mayWritepage { putBack(f); continue }
                // pageout(): PG_reclaim stays set, the folio's I/O is queued and it is kept under
                // writeback; its completion rotates it to the inactive tail.
                startPageWriteback(fileID, owner.index, mkclean: false)
                _ = submitWrite(fileID, [owner.index])
                reclaim.stats.vmscanWrite += pages
                pageout += pages
                putBack(f)
                continue
            }
            evictFromPageCache(f, fileID, owner.index, v)
            reclaimed += pages
        }
        if sc.isKswapd && fileTaken > 0 && dirtyUnqueued == fileTaken { reclaim.dirtyNodes.insert(node) }
        if sc.isKswapd && underWriteback > 0 && underWriteback == taken { reclaim.writebackNodes.insert(node) }
        if taken > 0 && dirtyUnqueued == taken { startWritebackOfAll() }
        return (reclaimed, pageout)
    }

    /// Back on the inactive list's head (`move_folios_to_lru` of a kept folio); a folio mlocked
    /// meanwhile goes to the unevictable list (`folio_putback_lru` → `lru_add_fn`, counted culled).
    mutating func putBack(_ f: PageFrameNumber) {
        if frames.folioFlags(f).contains(.unevictable) { putBackUnevictable(f); return }
        frames.lruAdd(f, listFor(f, active: false))
    }

    /// `lru_add_fn` for a folio that is not evictable: the unevictable list, `unevictable_pgs_culled`.
    mutating func putBackUnevictable(_ f: PageFrameNumber) {
        frames.lruAdd(f, .unevictable)
        reclaim.stats.unevictableCulled += frames.folioPages(f)
    }

    /// `activate_locked`: PG_active set, on the active list's head, counted in pgactivate.
    mutating func activate(_ f: PageFrameNumber) {
        if frames.folioFlags(f).contains(.unevictable) { putBackUnevictable(f); return }
        frames.lruAdd(f, listFor(f, active: true))
        reclaim.stats.pgactivate += frames.folioPages(f)
    }

    /// The LRU list a folio of `f`'s kind goes on: file pages on the file lists; anonymous and
    /// shmem (swap-backed) pages on the anon lists.
    func listFor(_ f: PageFrameNumber, active: Bool) -> LRUList {
        LRUList.of(file: frames.useOf(f) == .file, active: active)
    }

    /// `__remove_mapping` + `workingset_eviction`: the clean, unmapped file folio leaves the page
    /// cache, a shadow entry remembers the lruvec's non-resident age, and the frame is freed.
    mutating func evictFromPageCache(_ f: PageFrameNumber, _ file: FileID, _ index: UInt64, _ v: Int) {
        let pages = frames.folioPages(f)
        reclaim.age(v, by: pages)
        let workingset = frames.folioFlags(f).contains(.workingset)
        _ = cache.removePage(file, index)
        cache.setShadow(file, index, ShadowEntry(lruvec: v, eviction: reclaim.vectors[v].nonresidentAge, workingset: workingset))
        freeFrame(f)
    }
}
