/// The buddy allocator proper: free lists per order and migrate type, `__rmqueue_smallest` with
/// `expand`, `__rmqueue_fallback` with `steal_suitable_fallback`, and `__free_one_page`.
extension PhysicalMemory {
    static func listIndex(_ zone: Int, _ order: Int, _ type: Int) -> Int {
        (zone &* orders &+ order) &* MigrateType.count &+ type
    }

    /// Links a free block head onto a free list (`add_to_free_list[_tail]`), counting it.
    
    mutating func addToList(_ pfn: UInt32, zone: Int, order: Int, type: MigrateType, atTail: Bool) {
        let li = PhysicalMemory.listIndex(zone, order, Int(type.rawValue))
        let p = Int(pfn)
        state[p] = UInt8(order) | (type.rawValue << 4)
        if head[li] == PhysicalMemory.none {
            head[li] = pfn; tail[li] = pfn; next[p] = PhysicalMemory.none; prev[p] = PhysicalMemory.none
        } else if atTail {
            let t = tail[li]
            next[Int(t)] = pfn; prev[p] = t; next[p] = PhysicalMemory.none; tail[li] = pfn
        } else {
            let h = head[li]
            prev[Int(h)] = pfn; next[p] = h; prev[p] = PhysicalMemory.none; head[li] = pfn
        }
        listLength[li] &+= 1
        store.nrFree[(zone) &* PhysicalMemory.orders &+ (order)] &+= 1
    }

    /// Unlinks a free block head from its list (`del_page_from_free_list`).
    
    mutating func removeFromList(_ pfn: UInt32, zone: Int) {
        let p = Int(pfn)
        let s = state[p]
        let order = Int(s & 0x0F), type = Int(s >> 4)
        let li = PhysicalMemory.listIndex(zone, order, type)
        let n = next[p], v = prev[p]
        if v == PhysicalMemory.none { head[li] = n } else { next[Int(v)] = n }
        if n == PhysicalMemory.none { tail[li] = v } else { prev[Int(n)] = v }
        state[p] = PhysicalMemory.notFree
        listLength[li] &-= 1
        store.nrFree[(zone) &* PhysicalMemory.orders &+ (order)] &-= 1
    }

    /// `__rmqueue_smallest`: the first block of `type` at `order` or above, split down (`expand`:
    /// upper halves go back at the list heads); returns the lowest-address part.
    
    mutating func rmqueueSmallest(zone: Int, order: Int, type: MigrateType) -> UInt32? {
        var o = order
        while o < PhysicalMemory.orders {
            let li = PhysicalMemory.listIndex(zone, o, Int(type.rawValue))
            let pfn = head[li]
            if pfn != PhysicalMemory.none {
                removeFromList(pfn, zone: zone)
                while o > order {
                    o -= 1
                    addToList(pfn + (1 << UInt32(o)), zone: zone, order: o, type: type, atTail: false)
                }
                return pfn
            }
            o += 1
        }
        return nil
    }

    /// `can_steal_fallback`.
    static func canSteal(order: Int, start: MigrateType) -> Bool {
        order >= pageblockOrder || order >= pageblockOrder / 2 || start == .reclaimable || start == .unmovable
    }

    /// `find_suitable_fallback` (with only_stealable false): the first fallback type with a free
    /// block at `order`, and whether a whole-block steal is allowed.
    func suitableFallback(zone: Int, order: Int, start: MigrateType) -> (MigrateType, Bool)? {
        guard store.nrFree[(zone) &* PhysicalMemory.orders &+ (order)] > 0 else { return nil }
        for f in start.fallbacks where listLength[PhysicalMemory.listIndex(zone, order, Int(f.rawValue))] > 0 {
            return (f, PhysicalMemory.canSteal(order: order, start: start))
        }
        return nil
    }

    /// `__rmqueue_fallback`: steals the largest block of a fallback type (the smallest when a
    /// movable request cannot claim the block), moving it, or its whole pageblock, to `start`.
    mutating func rmqueueFallback(zone: Int, order: Int, start: MigrateType, flags: AllocFlags) -> Bool {
        let minOrder = order < PhysicalMemory.pageblockOrder && flags.contains(.noFragment) ? PhysicalMemory.pageblockOrder : order
        var chosen: (order: Int, type: MigrateType, whole: Bool)?
        var o = PhysicalMemory.maxOrder
        while o >= minOrder {
            if let (f, steal) = suitableFallback(zone: zone, order: o, start: start) {
                if !steal && start == .movable && o > order {
                    for s in order..<PhysicalMemory.orders {
                        if let (f2, steal2) = suitableFallback(zone: zone, order: s, start: start) { chosen = (s, f2, steal2); break }
                    }
                } else {
                    chosen = (o, f, steal)
                }
                break
            }
            o -= 1
        }
        guard let c = chosen else { return false }
        let pfn = head[PhysicalMemory.listIndex(zone, c.order, Int(c.type.rawValue))]
        stealSuitableFallback(zone: zone, pfn: pfn, order: c.order, start: start, whole: c.whole, flags: flags)
        stats.extfragEvents += 1
        return true
    }

    /// `steal_suitable_fallback`: a block of pageblock order or more re-tags its pageblocks;
    /// otherwise the watermark is boosted and, when a whole-block steal is allowed, every free page
    /// of the pageblock moves to `start`, the block changing type when free + alike pages ≥ 256.
    mutating func stealSuitableFallback(zone: Int, pfn: UInt32, order: Int, start: MigrateType, whole: Bool, flags: AllocFlags) {
        let block = Int(pfn >> 9)
        let old = MigrateType(rawValue: blockType[block])
        func singlePage() {
            removeFromList(pfn, zone: zone)
            addToList(pfn, zone: zone, order: order, type: start, atTail: false)
        }
        if old == .highAtomic { singlePage(); return }
        if order >= PhysicalMemory.pageblockOrder {
            let blocks = 1 << (order - PhysicalMemory.pageblockOrder)
            for b in block..<(block + blocks) where blockType[b] != start.rawValue { blockType[b] = start.rawValue; stats.pageblocksClaimed += 1 }
            singlePage(); return
        }
        if boostWatermark(zone) && flags.contains(.kswapd) { zoneInfo[zone].boostedFlag = true }
        if !whole { singlePage(); return }
        let (free, movable) = moveFreePagesBlock(zone: zone, block: block, to: start)
        let alike: Int
        if start == .movable { alike = movable } else if old == .movable { alike = Int(PhysicalMemory.pageblockPages) - free - movable } else { alike = 0 }
        guard free > 0 else { singlePage(); return }
        if free + alike >= Int(PhysicalMemory.pageblockPages / 2) {
            if blockType[block] != start.rawValue { stats.pageblocksClaimed += 1 }
            blockType[block] = start.rawValue
        }
    }

    /// `move_freepages_block`: moves every free block inside pageblock `block` to `type`'s lists;
    /// returns the free pages moved and the in-use movable pages seen.
    mutating func moveFreePagesBlock(zone: Int, block: Int, to type: MigrateType) -> (free: Int, movable: Int) {
        let l = zoneInfo[zone].layout
        let start = UInt64(block) << 9
        guard start >= l.startPFN, start + PhysicalMemory.pageblockPages <= l.endPFN else { return (0, 0) }
        var pfn = start
        var free = 0, movable = 0
        while pfn < start + PhysicalMemory.pageblockPages {
            let s = state[Int(pfn)]
            if s != PhysicalMemory.notFree && s & PhysicalMemory.onPCP == 0 {
                let o = Int(s & 0x0F)
                removeFromList(UInt32(pfn), zone: zone)
                addToList(UInt32(pfn), zone: zone, order: o, type: type, atTail: false)
                free += 1 << o
                pfn += 1 << UInt64(o)
                continue
            }
            if use[Int(pfn)].isMovable { movable += 1 }
            pfn += 1
        }
        return (free, movable)
    }

    /// `boost_watermark`: raises the zone's boost by a pageblock, up to high·boost_factor/10000.
    mutating func boostWatermark(_ zone: Int) -> Bool {
        let f = UInt64(configuration.watermarkBoostFactor)
        guard f > 0, PhysicalMemory.pageblockPages * 4 <= zoneInfo[zone].managed else { return false }
        var maxBoost = zoneInfo[zone].highMark * f / 10000
        guard maxBoost > 0 else { return false }
        maxBoost = max(PhysicalMemory.pageblockPages, maxBoost)
        zoneInfo[zone].boost = min(zoneInfo[zone].boost + PhysicalMemory.pageblockPages, maxBoost)
        syncHot(zone)
        return true
    }

    /// `__rmqueue`: the smallest block of the type, else a fallback steal and retry.
    
    mutating func rmqueue(zone: Int, order: Int, type: MigrateType, flags: AllocFlags) -> UInt32? {
        while true {
            if let p = rmqueueSmallest(zone: zone, order: order, type: type) { return p }
            guard rmqueueFallback(zone: zone, order: order, start: type, flags: flags) else { return nil }
        }
    }

    /// `__free_one_page`: merges with free buddies of the same order (not across HighAtomic or
    /// Isolate pageblocks at pageblock order and above), then queues the block at the list tail
    /// when its next-order buddy is free (`buddy_merge_likely`), else at the head.
    
    mutating func freeOnePage(_ pfn0: UInt32, zone: Int, order order0: Int, type: MigrateType, toTail: Bool = false) {
        var pfn = pfn0, order = order0
        if type != .isolate { store.zoneFree[zone] &+= 1 << UInt64(order0) }
        var buddy: UInt32 = 0
        while order < PhysicalMemory.maxOrder {
            buddy = pfn ^ (1 << UInt32(order))
            guard UInt64(buddy) < endPFN else { break }
            let bs = state[Int(buddy)]
            guard bs != PhysicalMemory.notFree, bs & PhysicalMemory.onPCP == 0, Int(bs & 0x0F) == order,
                  blockZone[Int(buddy >> 9)] == UInt8(zone) else { break }
            if order >= PhysicalMemory.pageblockOrder {
                let bt = MigrateType(rawValue: blockType[Int(buddy >> 9)])
                if type != bt && (!type.isMergeable || !bt.isMergeable) { break }
            }
            removeFromList(buddy, zone: zone)
            pfn &= buddy
            order += 1
        }
        var tailInsert = toTail
        if !tailInsert && order < PhysicalMemory.maxOrder - 1 {
            let higher = pfn & buddy
            let hb = higher ^ (1 << UInt32(order + 1))
            if UInt64(hb) < endPFN {
                let s = state[Int(hb)]
                tailInsert = s != PhysicalMemory.notFree && s & PhysicalMemory.onPCP == 0 && Int(s & 0x0F) == order + 1
            }
        }
        addToList(pfn, zone: zone, order: order, type: type, atTail: tailInsert)
    }
}

extension PageUse {
    /// Pages the migrate scanner can move (PageLRU or __PageMovable): user and page-cache pages.
    public var isMovable: Bool { self == .anonymous || self == .file || self == .shmem }
}
