import MemTrace

extension LinuxKernel {
    /// `pgdat_balanced`: some zone of `node` up to `highest` meets its high watermark (with its
    /// boost) at `order`; a node without managed zones there counts as balanced.
    func nodeBalanced(_ node: Int, order: Int, highest: ZoneType) -> Bool {
        var managed = false
        for z in frames.nodeZones[node] where frames.zoneInfo[z].isManaged && frames.zoneInfo[z].type <= highest {
            managed = true
            if frames.watermarkOK(z, order: order, mark: frames.zoneInfo[z].mark(2), highest: Int(highest.rawValue),
                                  flags: [], free: Int64(frames.zoneFreePages(z))) { return true }
        }
        return !managed
    }

    /// kswapd's answer to the wakeups the allocations of the last operation left: for each node,
    /// `balance_pgdat` unless the node is balanced already or hopeless (`wakeup_kswapd`: 16 runs
    /// without progress leave it to direct reclaim). The model's kswapd runs to completion right
    /// after the operation that woke it.
    mutating func runKswapd(_ wakeups: [KswapdWakeup]) {
        for w in wakeups {
            let highest = ZoneType(rawValue: UInt8(w.highestZoneIndex))
            if reclaim.kswapdFailures[w.node] >= ReclaimState.maxFailures { continue }
            if nodeBalanced(w.node, order: w.order, highest: highest) { continue }
            balanceNode(w.node, order: w.order, highest: highest)
        }
    }

    /// `balance_pgdat`: reclaim from priority 12 down until some eligible zone is above its high
    /// watermark. Each pass aims at Σ max(high watermark, SWAP_CLUSTER_MAX) over the eligible
    /// zones (`kswapd_shrink_node`); the priority drops when a pass scanned less than that or
    /// reclaimed nothing. A run that reclaimed nothing counts as a kswapd failure.
    mutating func balanceNode(_ node: Int, order: Int, highest: ZoneType) {
        reclaim.stats.pageoutrun += 1
        let mark = reclaimWorkMark
        defer { kswapdStall += reclaimTime(since: mark) }
        var sc = ScanControl(nrToReclaim: 0, gfp: .kernel, order: order, reclaimZone: highest, isKswapd: true)
        repeat {
            if nodeBalanced(node, order: sc.order, highest: highest) { break }
            sc.nrScanned = 0
            var target: UInt64 = 0
            for z in frames.nodeZones[node] where frames.zoneInfo[z].isManaged && frames.zoneInfo[z].type <= highest {
                target += max(frames.zoneInfo[z].mark(2), ScanControl.clusterMax)
            }
            sc.nrToReclaim = target
            let before = sc.nrReclaimed
            shrinkNode(node, &sc)
            // compact_gap: once twice the order's pages are reclaimed, balance for order 0.
            if sc.order > 0 && sc.nrReclaimed >= 2 << UInt64(sc.order) { sc.order = 0 }
            let raise = sc.nrScanned < sc.nrToReclaim
            if raise || sc.nrReclaimed == before { sc.priority -= 1 }
        } while sc.priority >= 1
        reclaim.kswapdRan(node: node, reclaimed: sc.nrReclaimed)
        if nodeBalanced(node, order: sc.order, highest: highest) { reclaim.dirtyNodes.remove(node); reclaim.writebackNodes.remove(node) }
        reclaim.snapshotRefaults(lruvec(node: node))
    }

    /// Reclaim's work so far: inactive pages scanned (kswapd and direct) and pages written to swap.
    var reclaimWorkMark: (scanned: UInt64, swappedOut: UInt64) {
        (reclaim.stats.pgscanKswapd + reclaim.stats.pgscanDirect, swap.stats.pswpout)
    }

    /// The time the reclaim work done since `mark` cost (`StallCosts`).
    func reclaimTime(since mark: (scanned: UInt64, swappedOut: UInt64)) -> UInt64 {
        let now = reclaimWorkMark
        return stallCosts.reclaim(scanned: now.scanned - mark.scanned, swappedOut: now.swappedOut - mark.swappedOut)
    }

    /// `try_to_free_pages` → `do_try_to_free_pages`: direct reclaim by the allocating task, from
    /// priority 12 down to 0 over the nodes of the zonelist, until SWAP_CLUSTER_MAX pages are
    /// back. Counts allocstall for the highest zone the allocation may use. Returns the pages
    /// reclaimed.
    mutating func directReclaim(order: Int, gfp: GFPMask, highest: ZoneType, nodes: NodeMask? = nil) -> UInt64 {
        reclaim.stats.allocstall[Int(highest.rawValue)] += 1
        // `__perform_reclaim` runs under `psi_memstall_enter`: the allocating task stalls for it.
        let mark = reclaimWorkMark
        defer { stall.directReclaim += reclaimTime(since: mark) }
        var sc = ScanControl(nrToReclaim: ScanControl.clusterMax, gfp: gfp, order: order, reclaimZone: highest, isKswapd: false)
        sc.nodemask = nodes
        return doTryToFreePages(&sc)
    }

    /// `do_try_to_free_pages`: passes from priority 12 down to 0 over every node until
    /// `sc.nrToReclaim` pages are back; a run that reclaimed nothing but skipped cgroups within
    /// their memory.low starts over with those reclaimed too (`memcg_low_reclaim`). The refaults
    /// seen are snapshotted on the target's lruvecs (`snapshot_refaults`).
    mutating func doTryToFreePages(_ sc: inout ScanControl) -> UInt64 {
        let nodes = frames.nodeZones.indices
        while true {
            repeat {
                sc.nrScanned = 0
                for node in nodes where sc.nodemask?.contains(node) != false { shrinkNode(node, &sc) }
                if sc.nrReclaimed >= sc.nrToReclaim { break }
                sc.priority -= 1
            } while sc.priority >= 0
            if sc.nrReclaimed > 0 || !sc.memcgLowSkipped || sc.memcgLowReclaim { break }
            sc.priority = ScanControl.defaultPriority
            sc.memcgLowReclaim = true
            sc.memcgLowSkipped = false
        }
        let target = sc.targetMemcg ?? MemcgTree.root
        for node in nodes { reclaim.snapshotRefaults(target * frames.nodeZones.count + node) }
        return sc.nrReclaimed
    }

    /// `try_to_free_mem_cgroup_pages`: reclaim for cgroup `id` at its limit (or above its high),
    /// from its subtree's lruvecs only, aiming at max(`pages`, SWAP_CLUSTER_MAX); may swap and
    /// unmap, over every zone (GFP_HIGHUSER_MOVABLE). Returns the pages reclaimed.
    mutating func tryToFreeMemcgPages(_ id: Int, pages: UInt64) -> UInt64 {
        var sc = ScanControl(nrToReclaim: Swift.max(pages, ScanControl.clusterMax), gfp: .highUserMovable, order: 0,
                             reclaimZone: ZoneType.all.last!, isKswapd: false)
        sc.targetMemcg = id
        // Runs under `psi_memstall_enter`: the charging task stalls for the reclaim's work.
        let mark = reclaimWorkMark
        defer { stall.memcgReclaim += reclaimTime(since: mark) }
        return doTryToFreePages(&sc)
    }
}
