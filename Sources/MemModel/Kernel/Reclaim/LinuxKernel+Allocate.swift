import MemTrace

extension LinuxKernel {
    /// MAX_RECLAIM_RETRIES.
    static let maxReclaimRetries = 16

    /// `__alloc_pages` past the page allocator's own slow path, where the kernel takes over:
    /// direct reclaim and a retry (`__alloc_pages_direct_reclaim`) while `should_reclaim_retry`
    /// says reclaim can still help, then the OOM killer (`__alloc_pages_may_oom`) and another try
    /// unless the victim was the allocating task or nobody could be killed. Costly orders and
    /// __GFP_NORETRY requests fail instead of killing. `attempt` is the page allocator's try.
    /// `placement` restricts reclaim to the nodes the request may use (`sc->nodemask` and the
    /// cpuset check of `shrink_zones`), the retry test to the policy's nodes, and makes the OOM
    /// constrained (`constrained_alloc`).
    mutating func allocateReclaiming(order: Int, gfp: GFPMask, placement: NodePlacement = .anywhere,
                                     _ attempt: (inout PhysicalMemory) -> PageFrameNumber?) -> PageFrameNumber? {
        if let f = attempt(&frames) { return f }
        guard frames.lastFailure?.reason == .needsReclaim, gfp.contains(.directReclaim) else { return nil }
        let highest = gfp.highestZone(movableZoneExists: frames.zoneInfo.contains { $0.type == .movable && $0.isManaged })
        var kills = 0
        while true {
            var noProgress = 0
            while true {
                let progress = directReclaim(order: order, gfp: gfp, highest: highest, nodes: placement.allowed)
                if let f = attempt(&frames) { return f }
                if progress > 0 && order <= PhysicalMemory.costlyOrder { noProgress = 0 } else { noProgress += 1 }
                if noProgress > LinuxKernel.maxReclaimRetries || !reclaimCouldHelp(order: order, highest: highest, nodes: placement.policyMask) { break }
            }
            if order > PhysicalMemory.costlyOrder || gfp.contains(.noRetry) { return nil }
            guard kills <= tasks.live.count, let victim = outOfMemory(gfp: gfp, order: order, placement: placement), victim != currentPID else { return nil }
            kills += 1
            if let f = attempt(&frames) { return f }
        }
    }

    /// `should_reclaim_retry`'s zone test: some zone the request may use would pass its min
    /// watermark with its reclaimable pages (`zone_reclaimable_pages`: the file LRU, and the anon
    /// LRU while swap space is left) added to its free pages. Only the zones of `nodes` when given
    /// (`ac->nodemask`: a memory policy's; the cpuset is not applied there).
    func reclaimCouldHelp(order: Int, highest: ZoneType, nodes: NodeMask? = nil) -> Bool {
        let anon = swapPagesFree > 0
        for z in frames.zoneInfo.indices where frames.zoneInfo[z].isManaged && frames.zoneInfo[z].type <= highest
            && nodes?.contains(frames.zoneInfo[z].node) != false {
            let zone = frames.zoneInfo[z]
            let n = zone.node
            var reclaimable = frames.nodeLRUPages(n, .inactiveFile, zone: zone.type) + frames.nodeLRUPages(n, .activeFile, zone: zone.type)
            if anon { reclaimable += frames.nodeLRUPages(n, .inactiveAnon, zone: zone.type) + frames.nodeLRUPages(n, .activeAnon, zone: zone.type) }
            let available = Int64(reclaimable + frames.zoneFreePages(z))
            if frames.watermarkOK(z, order: order, mark: zone.mark(0), highest: Int(highest.rawValue), flags: [], free: available) { return true }
        }
        return false
    }
}
