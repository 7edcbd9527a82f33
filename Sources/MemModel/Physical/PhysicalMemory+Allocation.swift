/// The allocation path (`__alloc_pages`): the zonelist walk with the watermark check
/// (`get_page_from_freelist`, `zone_watermark_fast`, `__zone_watermark_ok`), `rmqueue`, the free
/// path, and `__alloc_pages_slowpath` up to the seam where direct reclaim and the OOM killer come in.
extension PhysicalMemory {
    /// Allocates 2^order pages (`alloc_pages`), preferring `node`. Nil when the request fails;
    /// `lastFailure` then says where the path stopped. With `nodemask`, only zones of those nodes
    /// are tried (`for_each_zone_zonelist_nodemask`: a memory policy's nodes, a cpuset's mems).
    
    public mutating func allocatePages(order: Int, gfp: GFPMask, node: Int = 0, nodemask: NodeMask? = nil) -> PageFrameNumber? {
        ensureUnique()
        guard order <= PhysicalMemory.maxOrder else {
            lastFailure = AllocationFailure(reason: .orderTooLarge, order: order, gfp: gfp, zone: nil)
            return nil
        }
        if let mask = nodemask { return allocatePages(order: order, gfp: gfp, node: node, within: mask) }
        let highest = gfp.highestZone(movableZoneExists: false)
        let n = node < nodeZones.count ? node : 0
        let key = n &* ZoneType.count &+ Int(highest.rawValue)
        let preferred = store.preferred[key]
        guard preferred >= 0 else { return fail(.needsReclaim, order: order, gfp: gfp, zone: nil) }
        var flags: AllocFlags = .wmarkLow
        if gfp.contains(.kswapdReclaim) { flags.insert(.kswapd) }
        if store.noFragment[key] { flags.insert(.noFragment) }
        sinceKcompactd &+= 1
        // The walk's first stop, inline: the preferred zone at the LOW mark.
        let hi = Int(highest.rawValue)
        if watermarkFast(preferred, order: order, mark: store.wmark[preferred &* 3 &+ 1], highest: hi, flags: flags),
           let p = rmqueueZone(preferred, order: order, type: gfp.migrateType, flags: flags) {
            store.pgalloc[preferred] &+= 1 << UInt64(order)
            return PageFrameNumber(UInt64(p))
        }
        let list = zonelists[n]
        if let p = getPageFromFreelist(order: order, gfp: gfp, flags: flags, list: list, preferred: preferred, highest: highest) {
            return p
        }
        return slowPath(order: order, gfp: gfp, list: list, preferred: preferred, highest: highest)
    }

    /// `__alloc_pages` with a nodemask: the node's zonelist without the zones of other nodes,
    /// the preferred zone its first of the request's zone types (`first_zones_zonelist`), and
    /// ALLOC_NOFRAGMENT as `alloc_flags_nofragment` sets it for that zone.
    mutating func allocatePages(order: Int, gfp: GFPMask, node: Int, within mask: NodeMask) -> PageFrameNumber? {
        let highest = gfp.highestZone(movableZoneExists: false)
        let n = node < nodeZones.count ? node : 0
        let list = zonelists[n].filter { mask.contains(zoneInfo[$0].node) }
        guard let preferred = list.first(where: { zoneInfo[$0].type <= highest }) else {
            return fail(.noReclaimAllowed, order: order, gfp: gfp, zone: nil)
        }
        var flags: AllocFlags = .wmarkLow
        if gfp.contains(.kswapdReclaim) { flags.insert(.kswapd) }
        let own = nodeZones[zoneInfo[preferred].node]
        if zoneInfo[preferred].type == .normal && own.count > 1 && zoneInfo[own[1]].isPopulated { flags.insert(.noFragment) }
        sinceKcompactd &+= 1
        if let p = getPageFromFreelist(order: order, gfp: gfp, flags: flags, list: list, preferred: preferred, highest: highest) {
            return p
        }
        return slowPath(order: order, gfp: gfp, list: list, preferred: preferred, highest: highest)
    }

    /// `get_page_from_freelist`: the first zone passing its watermark that yields a page; without
    /// success under ALLOC_NOFRAGMENT, the walk is repeated without it.
    
    mutating func getPageFromFreelist(order: Int, gfp: GFPMask, flags f: AllocFlags, list: [Int], preferred: Int, highest: ZoneType) -> PageFrameNumber? {
        var flags = f
        let type = gfp.migrateType
        let hi = Int(highest.rawValue)
        while true {
            var restart = false
            for zi in list where zoneInfo[zi].type <= highest {
                if flags.contains(.noFragment) && zonelists.count > 1 && zi != preferred && zoneInfo[zi].node != zoneInfo[preferred].node {
                    flags.remove(.noFragment); restart = true; break
                }
                if !flags.contains(.noWatermarks) {
                    let mark = store.wmark[zi &* 3 &+ flags.watermarkIndex]
                    if !watermarkFast(zi, order: order, mark: mark, highest: hi, flags: flags) { continue }
                }
                if let p = rmqueueZone(zi, order: order, type: type, flags: flags) {
                    store.pgalloc[zi] &+= 1 << UInt64(order)
                    if order > 0 && flags.contains(.harder) { reserveHighAtomic(p, zone: zi) }
                    return PageFrameNumber(UInt64(p))
                }
            }
            if restart { continue }
            if flags.contains(.noFragment) { flags.remove(.noFragment); continue }
            return nil
        }
    }

    /// `zone_watermark_fast`: the order-0 shortcut, then `__zone_watermark_ok`.
    
    func watermarkFast(_ z: Int, order: Int, mark: UInt64, highest: Int, flags: AllocFlags) -> Bool {
        let free = Int64(store.zoneFree[z])
        if order == 0 {
            var usable = free
            if flags.isDisjoint(with: .reserves) { usable -= min(usable, Int64(store.highAtomic[z])) }
            if usable > Int64(mark &+ store.reserve[z &* ZoneType.count &+ highest]) { return true }
        }
        return watermarkOK(z, order: order, mark: mark, highest: highest, flags: flags, free: free)
    }

    /// `__zone_watermark_ok`: free pages less the unusable ones must exceed the mark (lowered by
    /// half for ALLOC_HIGH, by a quarter more for ALLOC_HARDER, by half for ALLOC_OOM) plus the
    /// lowmem reserve; above order 0 some list of a per-CPU type (or HighAtomic when harder) must
    /// hold a block of the order or larger.
    public func watermarkOK(_ z: Int, order: Int, mark: UInt64, highest: Int, flags: AllocFlags, free f: Int64) -> Bool {
        var free = f - Int64((1 << order) - 1)
        if flags.isDisjoint(with: .reserves) { free -= Int64(store.highAtomic[z]) }
        var minimum = Int64(mark)
        let harder = !flags.isDisjoint(with: [.harder, .oom])
        if flags.contains(.high) { minimum -= minimum / 2 }
        if harder { minimum -= flags.contains(.oom) ? minimum / 2 : minimum / 4 }
        if free <= minimum + Int64(store.reserve[z * ZoneType.count + highest]) { return false }
        if order == 0 { return true }
        for o in order..<PhysicalMemory.orders where store.nrFree[(z) &* PhysicalMemory.orders &+ (o)] > 0 {
            for t in 0..<MigrateType.pcpTypes where listLength[PhysicalMemory.listIndex(z, o, t)] > 0 { return true }
            if harder && listLength[PhysicalMemory.listIndex(z, o, Int(MigrateType.highAtomic.rawValue))] > 0 { return true }
        }
        return false
    }

    /// `rmqueue`: per-CPU lists for small orders, else the buddy lists under the zone lock
    /// (HighAtomic first for ALLOC_HARDER); a boosted zone wakes kswapd.
    
    mutating func rmqueueZone(_ z: Int, order: Int, type: MigrateType, flags: AllocFlags) -> UInt32? {
        var page: UInt32?
        if PhysicalMemory.pcpAllowed(order) {
            page = rmqueuePCP(zone: z, order: order, type: type, flags: flags)
        }
        if page == nil {
            if flags.contains(.harder) { page = rmqueueSmallest(zone: z, order: order, type: .highAtomic) }
            if page == nil { page = rmqueue(zone: z, order: order, type: type, flags: flags) }
            if page != nil {
                store.zoneFree[z] -= 1 << UInt64(order)
                updateLevel(z)
            }
        }
        if zoneInfo[z].boostedFlag {
            zoneInfo[z].boostedFlag = false
            wakeKswapd(zone: z, order: 0)
        }
        return page
    }

    /// `reserve_highatomic_pageblock`: a high-order atomic allocation reserves its pageblock, up
    /// to 1% of the zone plus one pageblock.
    mutating func reserveHighAtomic(_ pfn: UInt32, zone z: Int) {
        let maxManaged = zoneInfo[z].managed / 100 + PhysicalMemory.pageblockPages
        guard zoneInfo[z].reservedHighAtomic < maxManaged else { return }
        let b = Int(pfn >> 9)
        let t = MigrateType(rawValue: blockType[b])
        guard t != .highAtomic, t != .isolate else { return }
        zoneInfo[z].reservedHighAtomic += PhysicalMemory.pageblockPages
        syncHot(z)
        blockType[b] = MigrateType.highAtomic.rawValue
        _ = moveFreePagesBlock(zone: z, block: b, to: .highAtomic)
    }

    /// `wakeup_kswapd`: counted, and recorded for the node as the kernel records
    /// `pgdat->kswapd_order` and `kswapd_highest_zoneidx` (merged into a pending wake-up of the
    /// same node), for the kernel to take (`takeKswapdWakeups`). `highest` is the request's
    /// highest zone type, nil for the zone's own (`zone_idx`, as rmqueue's boosted-zone wake-up
    /// passes). kswapd's reclaim is the reclaim layer's; what this layer can do of `balance_pgdat`
    /// is done: the boost it would have cleared is cleared and kcompactd woken.
    @inline(never) mutating func wakeKswapd(zone z: Int, order: Int, highest: ZoneType? = nil) {
        stats.kswapdWakeups += 1
        let type = highest ?? zoneInfo[z].type
        let wake = KswapdWakeup(node: zoneInfo[z].node, zone: z, order: order, highestZoneIndex: Int(type.rawValue))
        if let i = pendingKswapdWakeups.firstIndex(where: { $0.node == wake.node }) {
            pendingKswapdWakeups[i].merge(wake)
        } else {
            pendingKswapdWakeups.append(wake)
        }
        if zoneInfo[z].boost > 0 {
            zoneInfo[z].boost = 0
            syncHot(z)
            updateLevel(z)
            kcompactdWake(node: zoneInfo[z].node, order: PhysicalMemory.pageblockOrder)
        }
    }

    /// Hands the pending kswapd wake-ups to the kernel (one per node, in the order the nodes were
    /// first woken) and clears them, as `kswapd` (mm/vmscan.c) reads `kswapd_order` and
    /// `kswapd_highest_zoneidx` when woken and resets them to 0 and MAX_NR_ZONES.
    public mutating func takeKswapdWakeups() -> [KswapdWakeup] {
        defer { pendingKswapdWakeups.removeAll() }
        return pendingKswapdWakeups
    }

    /// `__alloc_pages_slowpath` up to reclaim: wake kswapd and retry at the MIN mark; async
    /// direct compaction for costly orders (or any non-movable order > 0); then, where direct
    /// reclaim would run, sync compaction and a last attempt after draining the per-CPU lists.
    /// What remains (reclaim retries, `__alloc_pages_may_oom`) belongs to the reclaim and OOM
    /// layers: the request fails with `lastFailure = .needsReclaim`.
    @usableFromInline
    mutating func slowPath(order: Int, gfp: GFPMask, list: [Int], preferred: Int, highest: ZoneType) -> PageFrameNumber? {
        var flags: AllocFlags = []          // ALLOC_WMARK_MIN
        if gfp.contains(.high) { flags.insert(.high) }
        if gfp.contains(.atomic) { flags.insert(.harder) }
        if gfp.contains(.kswapdReclaim) {
            flags.insert(.kswapd)
            for zi in list where zoneInfo[zi].type <= highest { wakeKswapd(zone: zi, order: order, highest: highest) }
        }
        if let p = getPageFromFreelist(order: order, gfp: gfp, flags: flags, list: list, preferred: preferred, highest: highest) { return p }
        let direct = gfp.contains(.directReclaim)
        let costly = order > PhysicalMemory.costlyOrder
        if direct && (costly || (order > 0 && gfp.migrateType != .movable)) {
            if let p = directCompact(order: order, gfp: gfp, flags: flags, list: list, preferred: preferred, highest: highest, sync: false) { return p }
            if costly && gfp.contains(.noRetry) { return fail(.needsReclaim, order: order, gfp: gfp, zone: preferred) }
        }
        guard direct else { return fail(.noReclaimAllowed, order: order, gfp: gfp, zone: preferred) }
        // ── Reclaim seam: `__alloc_pages_direct_reclaim` (try_to_free_pages) plugs in here. ──
        drainAllPCP()
        if let p = getPageFromFreelist(order: order, gfp: gfp, flags: flags, list: list, preferred: preferred, highest: highest) { return p }
        if order > 0, let p = directCompact(order: order, gfp: gfp, flags: flags, list: list, preferred: preferred, highest: highest, sync: true) { return p }
        return fail(.needsReclaim, order: order, gfp: gfp, zone: preferred)
    }

    /// Records the failure (`lastFailure`) and counts it; always nil.
    @usableFromInline mutating func fail(_ why: AllocationFailure.Reason, order: Int, gfp: GFPMask, zone: Int?) -> PageFrameNumber? {
        lastFailure = AllocationFailure(reason: why, order: order, gfp: gfp, zone: zone)
        stats.allocFailures += 1
        return nil
    }

    /// Frees 2^order pages at `frame` (`__free_pages`): through the per-CPU lists for small
    /// orders, else straight into the buddy lists. Compaction moves from a frame freed before the
    /// kernel repointed it are cancelled. The frames' mapcounts, entire mapcount and owners are reset.
    
    public mutating func freePages(_ frame: PageFrameNumber, order: Int) {
        ensureUnique()
        let p = UInt32(frame.rawValue)
        let n = 1 << order
        let i = Int(p)
        precondition(frame.rawValue < endPFN && use[i] != .free && use[i] != .kernel, "free of a frame that is not allocated: \(frame)")
        let u = use[i]
        // A frame is free or on an LRU: one still on a list leaves it first (its links become free-list links).
        if store.lruList[i] != PhysicalMemory.offLRU { lruDelete(frame) }
        for k in i..<(i + n) {
            store.memcg[k] = 0                       // uncharged by the kernel before the free
            use[k] = .free; mapCount[k] = 0; ownerID[k] = 0; ownerIndex[k] = 0; store.folioFlags[k] = 0
            if _slowPath(compoundMapCount[k] != 0) { compoundMapCount[k] = 0; entireMappedFolios -= 1 }
        }
        useCounts[Int(u.rawValue)] -= UInt64(n)
        useCounts[0] += UInt64(n)
        let z = Int(blockZone[i >> 9])
        if PhysicalMemory.pcpAllowed(order) {
            freePCP(p, zone: z, order: order)
        } else {
            freeOnePage(p, zone: z, order: order, type: MigrateType(rawValue: blockType[i >> 9]))
            updateLevel(z)
        }
    }
}
