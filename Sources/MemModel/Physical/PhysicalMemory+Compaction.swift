/// Memory compaction (mm/compaction.c): `compact_zone` with the migrate scanner walking up from
/// the zone start and the free scanner walking down from its end, `compaction_suitable`,
/// deferral, direct compaction in the slow path, kcompactd (woken and proactive) and
/// `vm.compact_memory`.
///
/// A migration copies the page's per-frame facts (use, mapcount, entire mapcount, owner) to the
/// target frame and frees the source; the move is queued in `pendingMigrations` so the kernel
/// model repoints PTEs and page-cache entries.
extension PhysicalMemory {
    public enum CompactResult: Int, Sendable { case skipped, deferred, notSuitable, complete, success }

    /// How a compaction run was started, which decides its scanners' rules and when it stops.
    public enum CompactMode: Sendable {
        /// Direct compaction for an allocation of `order` and `type` (async scans only blocks of the type).
        case direct(order: Int, type: MigrateType, async: Bool)
        /// kcompactd woken for `order`.
        case kcompactd(order: Int)
        /// Proactive: until the zone's score falls to the low mark.
        case proactive
        /// `vm.compact_memory`: the whole zone.
        case full
    }

    /// `__compaction_suitable` + the extfrag_threshold test of `compaction_suitable`.
    public func compactionSuitable(zone z: Int, order: Int, flags: AllocFlags, highest: Int) -> CompactResult {
        let mark = zoneInfo[z].mark(flags.watermarkIndex)
        if watermarkOK(z, order: order, mark: mark, highest: highest, flags: flags, free: Int64(store.zoneFree[z])) { return .success }
        let low = (order > PhysicalMemory.costlyOrder ? zoneInfo[z].mark(1) : zoneInfo[z].mark(0)) + (2 << UInt64(order))
        if !watermarkOK(z, order: 0, mark: low, highest: highest, flags: [], free: Int64(store.zoneFree[z])) { return .skipped }
        if order > PhysicalMemory.costlyOrder {
            let fi = fragmentationIndex(zone: z, order: order)
            if fi >= 0 && fi <= configuration.extfragThreshold { return .notSuitable }
        }
        return .complete
    }

    /// `compaction_deferred`.
    mutating func compactionDeferred(zone z: Int, order: Int) -> Bool {
        let limit = UInt32(1) << zoneInfo[z].compactDeferShift
        if order < zoneInfo[z].compactOrderFailed { return false }
        zoneInfo[z].compactConsidered += 1
        if zoneInfo[z].compactConsidered >= limit { zoneInfo[z].compactConsidered = limit; return false }
        return true
    }

    /// `defer_compaction`: skip the next 2^shift attempts (shift ≤ COMPACT_MAX_DEFER_SHIFT = 6).
    mutating func deferCompaction(zone z: Int, order: Int) {
        zoneInfo[z].compactConsidered = 0
        zoneInfo[z].compactDeferShift = min(zoneInfo[z].compactDeferShift + 1, 6)
        if order < zoneInfo[z].compactOrderFailed { zoneInfo[z].compactOrderFailed = order }
    }

    /// `compaction_defer_reset`.
    mutating func compactionDeferReset(zone z: Int, order: Int, allocSuccess: Bool) {
        if allocSuccess { zoneInfo[z].compactConsidered = 0; zoneInfo[z].compactDeferShift = 0 }
        if order >= zoneInfo[z].compactOrderFailed { zoneInfo[z].compactOrderFailed = order + 1 }
    }

    /// `__compact_finished` for the stop rules that depend on the free lists.
    func compactFinished(zone z: Int, mode: CompactMode) -> Bool {
        switch mode {
        case .full: return false
        case .proactive:
            return ContiguousPageInfo(nrFree: nrFreeArray(z), order: PhysicalMemory.pageblockOrder)
                .extfragPercent(order: PhysicalMemory.pageblockOrder) <= proactiveLowMark
        case .kcompactd(let order): return hasFreeBlock(z, order: order, type: .movable)
        case .direct(let order, let type, _): return hasFreeBlock(z, order: order, type: type)
        }
    }

    /// A block of `order`+ on the type's list, or one a fallback could claim.
    func hasFreeBlock(_ z: Int, order: Int, type: MigrateType) -> Bool {
        for o in order..<PhysicalMemory.orders {
            if listLength[PhysicalMemory.listIndex(z, o, Int(type.rawValue))] > 0 { return true }
            if let (_, steal) = suitableFallback(zone: z, order: o, start: type), steal { return true }
        }
        return false
    }

    /// `compact_zone`: runs the two scanners until they meet or the mode's goal is reached.
    @discardableResult
    public mutating func compactZone(_ z: Int, mode: CompactMode) -> CompactResult {
        ensureUnique()
        let l = zoneInfo[z].layout
        guard l.managed > 0 else { return .skipped }
        let order = PhysicalMemory.pageblockOrder
        var migrateBlock = (l.startPFN + PhysicalMemory.pageblockPages - 1) >> order
        if l.startPFN & (PhysicalMemory.pageblockPages - 1) == 0 { migrateBlock = l.startPFN >> order }
        var freeBlock = (l.endPFN - 1) >> order
        if (freeBlock + 1) << order > l.endPFN { freeBlock -= 1 }
        var targets: [UInt32] = []
        var migrateScanned: UInt64 = 0, freeScanned: UInt64 = 0, isolated: UInt64 = 0
        var result = CompactResult.complete
        var sourceFilter: MigrateType? = nil
        if case .direct(_, let type, true) = mode { sourceFilter = type }
        outer: while migrateBlock < freeBlock {
            if compactFinished(zone: z, mode: mode) { result = .success; break }
            let base = migrateBlock << order
            migrateScanned += PhysicalMemory.pageblockPages
            if let want = sourceFilter, blockType[Int(migrateBlock)] != want.rawValue { migrateBlock += 1; continue }
            for pfn in base..<(base + PhysicalMemory.pageblockPages) {
                let i = Int(pfn)
                // `isolate_migratepages_block` takes LRU pages only: a page held off its LRU (being
                // mapped, or isolated by reclaim) stays where it is.
                guard use[i].isMovable, store.lruList[i] != PhysicalMemory.offLRU else { continue }
                while targets.isEmpty {
                    guard freeBlock > migrateBlock else { break outer }
                    freeScanned += PhysicalMemory.pageblockPages
                    isolateFreeBlock(z, block: Int(freeBlock), into: &targets)
                    freeBlock -= 1
                }
                isolated += 1
                let t = targets.removeLast()
                migrate(UInt32(pfn), to: t, zone: z)
            }
            migrateBlock += 1
        }
        for t in targets.reversed() { freeOnePage(t, zone: z, order: 0, type: MigrateType(rawValue: blockType[Int(t >> 9)])) }
        updateLevel(z)
        stats.compactMigrateScanned += migrateScanned
        stats.compactFreeScanned += freeScanned
        stats.compactIsolated += isolated
        switch mode {
        case .kcompactd, .proactive:
            stats.compactDaemonMigrateScanned += migrateScanned; stats.compactDaemonFreeScanned += freeScanned
        default: break
        }
        return result
    }

    /// `isolate_freepages_block` on a suitable target pageblock (Movable, not one free block of
    /// pageblock order or more): its free blocks leave the lists as order-0 pages, highest last.
    mutating func isolateFreeBlock(_ z: Int, block: Int, into targets: inout [UInt32]) {
        guard blockType[block] == MigrateType.movable.rawValue, blockZone[block] == UInt8(z) else { return }
        let base = block << 9
        let s0 = state[base]
        if s0 != PhysicalMemory.notFree && s0 & PhysicalMemory.onPCP == 0 && Int(s0 & 0x0F) >= PhysicalMemory.pageblockOrder { return }
        var found: [UInt32] = []
        var pfn = base
        while pfn < base + Int(PhysicalMemory.pageblockPages) {
            let s = state[pfn]
            if s != PhysicalMemory.notFree && s & PhysicalMemory.onPCP == 0 {
                let o = Int(s & 0x0F)
                removeFromList(UInt32(pfn), zone: z)
                store.zoneFree[z] -= 1 << UInt64(o)
                for k in 0..<(1 << o) { found.append(UInt32(pfn + k)) }
                pfn += 1 << o
            } else { pfn += 1 }
        }
        targets.append(contentsOf: found.reversed())
    }

    /// Moves one page (`migrate_folio`: `folio_migrate_mapping`, `folio_migrate_flags`): the
    /// target takes the source's use, mapcount, entire mapcount and owner, the source is freed
    /// into the buddy lists, and the move is queued for the kernel to repoint its users.
    mutating func migrate(_ src: UInt32, to dst: UInt32, zone z: Int) {
        let s = Int(src), d = Int(dst)
        use[d] = use[s]; mapCount[d] = mapCount[s]; compoundMapCount[d] = compoundMapCount[s]
        ownerID[d] = ownerID[s]; ownerIndex[d] = ownerIndex[s]
        lruMigrate(from: PageFrameNumber(UInt64(src)), to: PageFrameNumber(UInt64(dst)))
        use[s] = .free; mapCount[s] = 0; compoundMapCount[s] = 0; ownerID[s] = 0; ownerIndex[s] = 0
        freeOnePage(src, zone: z, order: 0, type: MigrateType(rawValue: blockType[s >> 9]))
        pendingMigrations.append((PageFrameNumber(UInt64(src)), PageFrameNumber(UInt64(dst))))
        stats.pgmigrateSuccess += 1
    }

    /// `migrate_pages` of one order-0 LRU page (mbind's MPOL_MF_MOVE, `alloc_migration_target`):
    /// a page taken from `node`'s zonelist within `nodemask` receives the page's facts, the old
    /// frame is freed, and the move is queued like compaction's. Nil (the page stays) when the
    /// page is not a movable order-0 LRU page or no target is free without reclaim.
    public mutating func migratePage(_ src: PageFrameNumber, node: Int, nodemask: NodeMask?) -> PageFrameNumber? {
        ensureUnique()
        guard src.rawValue < endPFN, let z = zoneIndex(of: src) else { return nil }
        let s = Int(src.rawValue)
        guard use[s].isMovable, use[s] != .anonHuge, compoundMapCount[s] == 0, store.lruList[s] != PhysicalMemory.offLRU else { return nil }
        guard let dst = allocatePages(order: 0, gfp: .highUserMovable, node: node, nodemask: nodemask) else { return nil }
        migrate(UInt32(src.rawValue), to: UInt32(dst.rawValue), zone: z)
        updateLevel(z)
        return dst
    }

    /// Hands the queued moves to the kernel model (which repoints PTEs and the page cache).
    public mutating func takeMigrations() -> [(from: PageFrameNumber, to: PageFrameNumber)] {
        defer { pendingMigrations.removeAll() }
        return pendingMigrations
    }

    /// `__alloc_pages_direct_compact` → `try_to_compact_pages`: compacts the zonelist's zoneInfo
    /// (skipping deferred and unsuitable ones) and retries the allocation.
    mutating func directCompact(order: Int, gfp: GFPMask, flags: AllocFlags, list: [Int], preferred: Int, highest: ZoneType, sync: Bool) -> PageFrameNumber? {
        var ran = false
        let type = gfp.migrateType
        for zi in list where zoneInfo[zi].type <= highest {
            if compactionDeferred(zone: zi, order: order) { stats.compactDeferred += 1; continue }
            guard compactionSuitable(zone: zi, order: order, flags: flags, highest: Int(highest.rawValue)) == .complete else { continue }
            ran = true
            let r = compactZone(zi, mode: .direct(order: order, type: type, async: !sync))
            if r == .success { compactionDeferReset(zone: zi, order: order, allocSuccess: false); break }
            if sync && r == .complete { deferCompaction(zone: zi, order: order) }
        }
        guard ran else { return nil }
        stats.compactStall += 1
        if let p = getPageFromFreelist(order: order, gfp: gfp, flags: flags, list: list, preferred: preferred, highest: highest) {
            if let z = zoneIndex(of: p) { compactionDeferReset(zone: z, order: order, allocSuccess: true) }
            stats.compactSuccess += 1
            return p
        }
        stats.compactFail += 1
        return nil
    }

    /// `kcompactd_do_work` after `wakeup_kcompactd`: compacts each suitable, undeferred zone of the
    /// node for `order`.
    mutating func kcompactdWake(node: Int, order: Int) {
        guard node < nodeZones.count else { return }
        stats.compactDaemonWake += 1
        for zi in nodeZones[node] where zoneInfo[zi].isManaged {
            if compactionDeferred(zone: zi, order: order) { continue }
            guard compactionSuitable(zone: zi, order: order, flags: [], highest: Int(zoneInfo[zi].type.rawValue)) == .complete else { continue }
            let r = compactZone(zi, mode: .kcompactd(order: order))
            if r == .success { compactionDeferReset(zone: zi, order: order, allocSuccess: false) } else { deferCompaction(zone: zi, order: order) }
        }
    }

    /// fragmentation_score_wmark(low): max(100 − proactiveness, 5); high is low + 10.
    var proactiveLowMark: Int { max(100 - configuration.compactionProactiveness, 5) }

    /// `fragmentation_score_node`: Σ zoneInfo extfrag_for_order(pageblock_order) · present / (node present + 1).
    public func fragmentationScore(node: Int) -> Int {
        var present: UInt64 = 0
        for zi in nodeZones[node] { present += zoneInfo[zi].layout.present }
        var score = 0
        for zi in nodeZones[node] where zoneInfo[zi].isPopulated {
            let s = ContiguousPageInfo(nrFree: nrFreeArray(zi), order: PhysicalMemory.pageblockOrder).extfragPercent(order: PhysicalMemory.pageblockOrder)
            score += Int(UInt64(s) * zoneInfo[zi].layout.present / (present + 1))
        }
        return score
    }

    /// kcompactd's proactive check (`should_proactive_compact_node`, `proactive_compact_node`):
    /// when a node's score passes the high mark, its zoneInfo are compacted down to the low mark.
    public mutating func kcompactdProactive() {
        ensureUnique()
        guard configuration.compactionProactiveness > 0 else { return }
        for n in nodeZones.indices where fragmentationScore(node: n) > min(proactiveLowMark + 10, 100) {
            stats.compactDaemonWake += 1
            for zi in nodeZones[n] where zoneInfo[zi].isManaged { compactZone(zi, mode: .proactive) }
        }
    }

    /// Counts allocations toward kcompactd's next proactive check, running it when due.
    public mutating func kcompactdTick() {
        if sinceKcompactd >= configuration.kcompactdInterval { sinceKcompactd = 0; kcompactdProactive() }
    }

    /// `vm.compact_memory` (`compact_nodes`): every zone of every node compacted whole.
    public mutating func compactAll() {
        ensureUnique()
        stats.compactMemory += 1
        for zi in zoneInfo.indices where zoneInfo[zi].isManaged { compactZone(zi, mode: .full) }
    }
}

extension PhysicalMemory {
    /// True when kcompactd's next proactive check is due.
    public var kcompactdDue: Bool { sinceKcompactd >= configuration.kcompactdInterval }
}
