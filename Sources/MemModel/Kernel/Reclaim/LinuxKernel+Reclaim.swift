import MemTrace

extension LinuxKernel {
    /// Pages of swap left (`get_nr_swap_pages`); reclaim may take anonymous pages only while
    /// there is some (`can_reclaim_anon_pages`).
    var swapPagesFree: UInt64 { swap.freePages }

    /// The lruvec of `node` for global reclaim (`mem_cgroup_lruvec(NULL, pgdat)`).
    @inlinable func lruvec(node: Int) -> Int { node }

    /// `lruvec_lru_size(lruvec, lru, reclaim_idx)`: pages on `list` in zones up to `zone`.
    func lruSize(_ v: Int, _ list: LRUList, upTo zone: ZoneType) -> UInt64 {
        var n: UInt64 = 0
        for z in ZoneType.all.prefix(Int(zone.rawValue) + 1) { n += frames.lruPages(v, list, zone: z) }
        return n
    }

    /// The pages on lruvec `v`'s four evictable lists (`lruvec_lru_size` summed, the cost
    /// model's `lru_pages`). A loop, not a closure over `self`: a closure would copy the kernel.
    func evictableSize(_ v: Int) -> UInt64 {
        let top = ZoneType.all.last!
        var n: UInt64 = 0
        for list in LRUList.evictable { n += lruSize(v, list, upTo: top) }
        return n
    }

    /// `shrink_node`: one reclaim pass over `node` at `sc.priority` (`prepare_scan_count`, then
    /// `shrink_node_memcgs`); any progress makes a node kswapd had given up on reclaimable again.
    mutating func shrinkNode(_ node: Int, _ sc: inout ScanControl) {
        prepareScanCount(node, &sc)
        let before = sc.nrReclaimed
        shrinkNodeMemcgs(node, &sc)
        if sc.nrReclaimed > before { reclaim.reclaimedSomething(node: node) }
    }

    /// `shrink_node_memcgs`: every cgroup of the target's subtree in pre-order (the root's for
    /// global reclaim) with its protection worked out first (`mem_cgroup_calculate_protection`):
    /// below its effective memory.min it is skipped; below its effective memory.low it is skipped
    /// unless this is the low-reclaim retry, which counts a `low` event; the rest have their
    /// lruvec on `node` shrunk, protected ones proportionally (`shrink_lruvec`).
    mutating func shrinkNodeMemcgs(_ node: Int, _ sc: inout ScanControl) {
        let target = sc.targetMemcg ?? MemcgTree.root
        let nodes = frames.nodeZones.count
        for g in memcg.subtree(target) {
            memcg.calculateProtection(target: target, g)
            if memcg.belowMin(g) { continue }
            if memcg.belowLow(g) {
                if !sc.memcgLowReclaim { sc.memcgLowSkipped = true; continue }
                memcg.event(g, .low)
            }
            let c = memcg.groups[g]
            shrinkLruvec(g * nodes + node, node: node, &sc, protection: (c.effectiveMin, c.effectiveLow), cgroupSize: c.usage)
        }
    }

    /// Pages on `list` of `node` in zones up to `zone` over the cgroups of `target`'s subtree
    /// (the target lruvec's hierarchical `lruvec_page_state`; the node's for the root).
    func subtreeLRUSize(_ target: Int, node: Int, _ list: LRUList, upTo zone: ZoneType) -> UInt64 {
        let nodes = frames.nodeZones.count
        var n: UInt64 = 0
        if target == MemcgTree.root {
            for z in ZoneType.all.prefix(Int(zone.rawValue) + 1) { n += frames.nodeLRUPages(node, list, zone: z) }
            return n
        }
        for g in memcg.subtree(target) { n += lruSize(g * nodes + node, list, upTo: zone) }
        return n
    }

    /// `prepare_scan_count`: whether the active lists may be deactivated (refaults seen since the
    /// last run, or the inactive list too small), cache-trim mode (plenty of inactive file that is
    /// not thrashing) and, for global reclaim, whether the file LRU is tiny against the high
    /// watermarks — all judged on the target's lruvec (`target_lruvec`).
    mutating func prepareScanCount(_ node: Int, _ sc: inout ScanControl) {
        let target = sc.targetMemcg ?? MemcgTree.root
        let vec = reclaim.vectors[target * frames.nodeZones.count + node]
        let top = ZoneType.all.last!
        func size(_ l: LRUList) -> UInt64 { subtreeLRUSize(target, node: node, l, upTo: top) }
        sc.mayDeactivateAnon = vec.activations.anon != vec.refaultsSeen.anon
            || ScanBalance.inactiveIsLow(inactive: size(.inactiveAnon), active: size(.activeAnon))
        sc.mayDeactivateFile = vec.activations.file != vec.refaultsSeen.file
            || ScanBalance.inactiveIsLow(inactive: size(.inactiveFile), active: size(.activeFile))
        let inactiveFile = size(.inactiveFile)
        sc.cacheTrimMode = inactiveFile >> UInt64(sc.priority) > 0 && !sc.mayDeactivateFile
        sc.fileIsTiny = false
        guard sc.targetMemcg == nil else { return }
        var free: UInt64 = 0, high: UInt64 = 0
        for z in frames.nodeZones[node] where frames.zoneInfo[z].isManaged {
            free += frames.zoneFreePages(z)
            high += frames.zoneInfo[z].mark(2)
        }
        let file = inactiveFile + size(.activeFile)
        let anon = size(.inactiveAnon)
        sc.fileIsTiny = file + free <= high && !sc.mayDeactivateAnon && anon >> UInt64(sc.priority) > 0
    }

    /// `shrink_lruvec`: the scan targets of `get_scan_count`, worked off in SWAP_CLUSTER_MAX
    /// batches list by list; once enough is reclaimed (outside kswapd and the first direct pass)
    /// the smaller type stops and the other is cut to the share already scanned of it. Then the
    /// active anon list is aged when it outgrows the inactive one and anon can be reclaimed.
    /// A cgroup's protection (`protection`: effective min and low, `cgroupSize`: its usage) scales
    /// each list's size first (`apply_proportional_protection` in `get_scan_count`).
    mutating func shrinkLruvec(_ v: Int, node: Int, _ sc: inout ScanControl, protection: (min: UInt64, low: UInt64) = (0, 0),
                               cgroupSize: UInt64 = 0) {
        let vec = reclaim.vectors[v]
        // `can_reclaim_anon_pages` for the lruvec's cgroup: swap left, within its memory.swap.max.
        let canSwap = swapRoom(v / frames.nodeZones.count) > 0
        let balance = ScanBalance.choose(.init(canReclaimAnon: sc.maySwap && canSwap, cgroupReclaim: sc.targetMemcg != nil,
                                               swappiness: swappiness, priority: sc.priority, fileIsTiny: sc.fileIsTiny,
                                               cacheTrimMode: sc.cacheTrimMode, anonCost: vec.anonCost, fileCost: vec.fileCost))
        var nr = LRUList.evictable.map {
            balance.scan($0, size: protectedScanSize(lruSize(v, $0, upTo: sc.reclaimZone), protection, cgroupSize, &sc), priority: sc.priority)
        }
        let targets = nr
        var scanAdjusted = sc.targetMemcg == nil && !sc.isKswapd && sc.priority == ScanControl.defaultPriority
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
        if canSwap && ScanBalance.inactiveIsLow(inactive: lruSize(v, .inactiveAnon, upTo: sc.reclaimZone),
                                                          active: lruSize(v, .activeAnon, upTo: sc.reclaimZone)) {
            shrinkActiveList(ScanControl.clusterMax, v, .activeAnon, &sc)
        }
    }

    /// `apply_proportional_protection`: a protected cgroup's list counts as
    /// size − size · protection / (cgroup size + 1), at least SWAP_CLUSTER_MAX; the protection is
    /// memory.low outside the low-reclaim retry (noting that low was honoured), else memory.min.
    func protectedScanSize(_ size: UInt64, _ protection: (min: UInt64, low: UInt64), _ cgroupSize: UInt64, _ sc: inout ScanControl) -> UInt64 {
        guard protection.min > 0 || protection.low > 0 else { return size }
        let p: UInt64
        if !sc.memcgLowReclaim && protection.low > protection.min { p = protection.low; sc.memcgLowSkipped = true } else { p = protection.min }
        let total = Swift.max(cgroupSize, p)
        let scan = size - MemcgTree.mulDiv(size, p, total + 1)
        return Swift.max(scan, ScanControl.clusterMax)
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
        let deactivated = inactive.reduce(0) { $0 + frames.folioPages($1) }
        reclaim.stats.pgdeactivate += deactivated
        if v >= frames.nodeZones.count { memcg.count(v / frames.nodeZones.count) { $0.pgrefill += scanned; $0.pgdeactivate += deactivated } }
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
        reclaim.noteCost(v, file: list.isFile, pages: r.pageout, lruPages: evictableSize(v))
        if sc.isKswapd { reclaim.stats.pgstealKswapd += r.reclaimed } else { reclaim.stats.pgstealDirect += r.reclaimed }
        if list.isFile { reclaim.stats.pgstealFile += r.reclaimed } else { reclaim.stats.pgstealAnon += r.reclaimed }
        if v >= frames.nodeZones.count { memcg.count(v / frames.nodeZones.count) { $0.pgscan += scanned; $0.pgsteal += r.reclaimed } }
        return r.reclaimed
    }
}
