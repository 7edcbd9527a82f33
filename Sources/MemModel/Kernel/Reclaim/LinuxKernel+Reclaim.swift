import MemTrace

extension LinuxKernel {
    /// Pages of swap left (`get_nr_swap_pages`); reclaim may take anonymous pages only while
    /// there is some (`can_reclaim_anon_pages`).
    var swapPagesFree: UInt64 { swap.freePages }

    /// The lruvec of `node` for global reclaim (`mem_cgroup_lruvec(NULL, pgdat)`).
    @inlinable func lruvec(node: Int) -> Int { node }

    /// `lruvec_lru_size(lruvec, lru, reclaim_idx)`: pages on `list` in zones up to `zone`.
    func lruSize(_ v: Int, _ list: LRUList, upTo zone: ZoneType) -> UInt64 {
        ZoneType.all.prefix(Int(zone.rawValue) + 1).reduce(0) { $0 + frames.lruPages(v, list, zone: $1) }
    }

    /// `shrink_node`: one reclaim pass over `node` at `sc.priority` (`prepare_scan_count`, then
    /// `shrink_lruvec`); any progress makes a node kswapd had given up on reclaimable again.
    mutating func shrinkNode(_ node: Int, _ sc: inout ScanControl) {
        let v = lruvec(node: node)
        prepareScanCount(node, v, &sc)
        let before = sc.nrReclaimed
        shrinkLruvec(v, node: node, &sc)
        if sc.nrReclaimed > before { reclaim.reclaimedSomething(node: node) }
    }

    /// `prepare_scan_count`: whether the active lists may be deactivated (refaults seen since the
    /// last run, or the inactive list too small), cache-trim mode (plenty of inactive file that is
    /// not thrashing) and whether the file LRU is tiny against the high watermarks.
    mutating func prepareScanCount(_ node: Int, _ v: Int, _ sc: inout ScanControl) {
        let vec = reclaim.vectors[v]
        let top = ZoneType.all.last!
        sc.mayDeactivateAnon = vec.activations.anon != vec.refaultsSeen.anon
            || ScanBalance.inactiveIsLow(inactive: lruSize(v, .inactiveAnon, upTo: top), active: lruSize(v, .activeAnon, upTo: top))
        sc.mayDeactivateFile = vec.activations.file != vec.refaultsSeen.file
            || ScanBalance.inactiveIsLow(inactive: lruSize(v, .inactiveFile, upTo: top), active: lruSize(v, .activeFile, upTo: top))
        let inactiveFile = lruSize(v, .inactiveFile, upTo: top)
        sc.cacheTrimMode = inactiveFile >> UInt64(sc.priority) > 0 && !sc.mayDeactivateFile
        var free: UInt64 = 0, high: UInt64 = 0
        for z in frames.nodeZones[node] where frames.zoneInfo[z].isManaged {
            free += frames.zoneFreePages(z)
            high += frames.zoneInfo[z].mark(2)
        }
        let file = inactiveFile + lruSize(v, .activeFile, upTo: top)
        let anon = lruSize(v, .inactiveAnon, upTo: top)
        sc.fileIsTiny = file + free <= high && !sc.mayDeactivateAnon && anon >> UInt64(sc.priority) > 0
    }

    /// `shrink_lruvec`: the scan targets of `get_scan_count`, worked off in SWAP_CLUSTER_MAX
    /// batches list by list; once enough is reclaimed (outside kswapd and the first direct pass)
    /// the smaller type stops and the other is cut to the share already scanned of it. Then the
    /// active anon list is aged when it outgrows the inactive one and anon can be reclaimed.
    mutating func shrinkLruvec(_ v: Int, node: Int, _ sc: inout ScanControl) {
        let vec = reclaim.vectors[v]
        let balance = ScanBalance.choose(.init(canReclaimAnon: sc.maySwap && swapPagesFree > 0, swappiness: swappiness,
                                               priority: sc.priority, fileIsTiny: sc.fileIsTiny, cacheTrimMode: sc.cacheTrimMode,
                                               anonCost: vec.anonCost, fileCost: vec.fileCost))
        var nr = LRUList.evictable.map { balance.scan($0, size: lruSize(v, $0, upTo: sc.reclaimZone), priority: sc.priority) }
        let targets = nr
        var scanAdjusted = !sc.isKswapd && sc.priority == ScanControl.defaultPriority
        var reclaimed: UInt64 = 0
        let ia = 0, aa = 1, inf = 2, af = 3
        while nr[ia] > 0 || nr[af] > 0 || nr[inf] > 0 {
            for (i, list) in LRUList.evictable.enumerated() where nr[i] > 0 {
                let n = min(nr[i], ScanControl.clusterMax)
                nr[i] -= n
                reclaimed += shrinkList(list, n, v, &sc)
            }
            if reclaimed < sc.nrToReclaim || scanAdjusted { continue }
            let nrFile = nr[inf] + nr[af], nrAnon = nr[ia] + nr[aa]
            if nrFile == 0 || nrAnon == 0 { break }
            // Stop the smaller type; cut the other to what is left of its share.
            let (stop, other): (Int, Int) = nrFile > nrAnon ? (ia, inf) : (inf, ia)
            let percentage = (stop == ia ? nrAnon : nrFile) * 100 / (targets[stop] + targets[stop + 1] + 1)
            nr[stop] = 0; nr[stop + 1] = 0
            for l in [other, other + 1] {
                let scanned = targets[l] - nr[l]
                nr[l] = targets[l] * (100 - percentage) / 100
                nr[l] -= min(nr[l], scanned)
            }
            scanAdjusted = true
        }
        sc.nrReclaimed += reclaimed
        if swapPagesFree > 0 && ScanBalance.inactiveIsLow(inactive: lruSize(v, .inactiveAnon, upTo: sc.reclaimZone),
                                                          active: lruSize(v, .activeAnon, upTo: sc.reclaimZone)) {
            shrinkActiveList(ScanControl.clusterMax, v, .activeAnon, &sc)
        }
    }

    /// vm.swappiness (default 60; 0…200).
    var swappiness: Int { Int(clamping: sysctls["vm.swappiness"] ?? Int64(configuration.swap?.swappiness ?? 60)) }

    /// vm.page-cluster (default 3): swap-in readahead of up to 2^n pages.
    var pageCluster: Int { Int(clamping: sysctls["vm.page-cluster"] ?? Int64(configuration.swap?.pageCluster ?? 3)) }

    /// `shrink_list`: active lists are only deactivated (when allowed), inactive ones reclaimed.
    mutating func shrinkList(_ list: LRUList, _ n: UInt64, _ v: Int, _ sc: inout ScanControl) -> UInt64 {
        if list.isActive {
            if list.isFile ? sc.mayDeactivateFile : sc.mayDeactivateAnon { shrinkActiveList(n, v, list, &sc) }
            return 0
        }
        return shrinkInactiveList(n, v, list, &sc)
    }

    /// `isolate_lru_folios`: up to `n` pages taken off the tail of `list`; folios in zones above
    /// `sc.reclaimZone` are skipped to the head (they count as scanned but not taken).
    mutating func isolate(_ n: UInt64, _ v: Int, _ list: LRUList, _ sc: ScanControl) -> (folios: [PageFrameNumber], scanned: UInt64) {
        var taken: [PageFrameNumber] = [], skipped: [PageFrameNumber] = []
        var scan: UInt64 = 0, total: UInt64 = 0, nrTaken: UInt64 = 0
        while scan < n && nrTaken < n, let f = frames.lruTail(v, list) {
            let pages = frames.folioPages(f)
            total += pages
            frames.lruDelete(f)
            if let loc = frames.locations.location(of: f), loc.zone > sc.reclaimZone { skipped.append(f); continue }
            scan += pages
            nrTaken += pages
            taken.append(f)
        }
        for f in skipped.reversed() { frames.lruAdd(f, list) }
        return (taken, total)
    }

    /// `shrink_active_list`: the scanned active folios go to the inactive list (PG_workingset
    /// set) except referenced executable file folios, which get another trip around the active list.
    mutating func shrinkActiveList(_ n: UInt64, _ v: Int, _ list: LRUList, _ sc: inout ScanControl) {
        let (folios, scanned) = isolate(n, v, list, sc)
        reclaim.stats.pgrefill += scanned
        var active: [PageFrameNumber] = [], inactive: [PageFrameNumber] = []
        for f in folios {
            if frames.mapCountOf(f) > 0 {
                let r = referenced(f)
                if r.ptes > 0 && r.exec && list.isFile { active.append(f); continue }
            }
            frames.updateFolioFlags(f) { $0.insert(.workingset) }
            inactive.append(f)
        }
        for f in active { frames.lruAdd(f, list) }
        for f in inactive { frames.lruAdd(f, list.inactive) }
        reclaim.stats.pgdeactivate += inactive.reduce(0) { $0 + frames.folioPages($1) }
    }

    /// `shrink_inactive_list`: isolates a batch, reclaims what it can (`shrink_folio_list`), puts
    /// the rest back, charges the pageout I/O to the type's cost and counts pgscan and pgsteal.
    mutating func shrinkInactiveList(_ n: UInt64, _ v: Int, _ list: LRUList, _ sc: inout ScanControl) -> UInt64 {
        let (folios, scanned) = isolate(n, v, list, sc)
        guard !folios.isEmpty || scanned > 0 else { return 0 }
        sc.nrScanned += scanned
        if sc.isKswapd { reclaim.stats.pgscanKswapd += scanned } else { reclaim.stats.pgscanDirect += scanned }
        if list.isFile { reclaim.stats.pgscanFile += scanned } else { reclaim.stats.pgscanAnon += scanned }
        let r = shrinkFolioList(folios, v, &sc)
        reclaim.noteCost(v, file: list.isFile, pages: r.pageout, lruPages: LRUList.evictable.reduce(0) { $0 + lruSize(v, $1, upTo: ZoneType.all.last!) })
        if sc.isKswapd { reclaim.stats.pgstealKswapd += r.reclaimed } else { reclaim.stats.pgstealDirect += r.reclaimed }
        if list.isFile { reclaim.stats.pgstealFile += r.reclaimed } else { reclaim.stats.pgstealAnon += r.reclaimed }
        return r.reclaimed
    }
}
