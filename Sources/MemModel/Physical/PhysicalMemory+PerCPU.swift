/// Per-CPU page lists (`struct per_cpu_pages`): order ≤ 3 and pageblock-order pages are handed
/// out from and freed to CPU 0's lists; refills take `batch` blocks, frees drain when the count
/// reaches `high` (`rmqueue_pcplist`, `free_unref_page_commit`, `free_pcppages_bulk`).
extension PhysicalMemory {
    /// `pcp_allowed_order`.
    static func pcpAllowed(_ order: Int) -> Bool { order <= costlyOrder || order == pageblockOrder }

    /// `order_to_pindex`.
    static func pindex(_ type: Int, _ order: Int) -> Int {
        order > costlyOrder ? MigrateType.pcpTypes * (costlyOrder + 1) : MigrateType.pcpTypes * order + type
    }

    static func pindexOrder(_ pindex: Int) -> Int {
        pindex >= MigrateType.pcpTypes * (costlyOrder + 1) ? pageblockOrder : pindex / MigrateType.pcpTypes
    }

    /// Adds a block to a per-CPU list at the head (most recently freed first) or the tail.
    
    mutating func pcpPush(_ pfn: UInt32, zone: Int, pindex: Int, type: MigrateType, atTail: Bool) {
        let li = zone &* PhysicalMemory.pcpLists &+ pindex
        let p = Int(pfn)
        state[p] = PhysicalMemory.onPCP | type.rawValue
        if pcpHead[li] == PhysicalMemory.none {
            pcpHead[li] = pfn; pcpTail[li] = pfn; next[p] = PhysicalMemory.none; prev[p] = PhysicalMemory.none
        } else if atTail {
            let t = pcpTail[li]
            next[Int(t)] = pfn; prev[p] = t; next[p] = PhysicalMemory.none; pcpTail[li] = pfn
        } else {
            let h = pcpHead[li]
            prev[Int(h)] = pfn; next[p] = h; prev[p] = PhysicalMemory.none; pcpHead[li] = pfn
        }
        pcpLength[li] &+= 1
    }

    /// Takes the block at the head (or tail) of a per-CPU list.
    
    mutating func pcpPop(zone: Int, pindex: Int, fromTail: Bool) -> UInt32? {
        let li = zone &* PhysicalMemory.pcpLists &+ pindex
        let pfn = fromTail ? pcpTail[li] : pcpHead[li]
        guard pfn != PhysicalMemory.none else { return nil }
        let p = Int(pfn)
        let n = next[p], v = prev[p]
        if v == PhysicalMemory.none { pcpHead[li] = n } else { next[Int(v)] = n }
        if n == PhysicalMemory.none { pcpTail[li] = v } else { prev[Int(n)] = v }
        pcpLength[li] &-= 1
        state[p] = PhysicalMemory.notFree
        return pfn
    }

    /// `rmqueue_pcplist`: the head of the list, refilled by `rmqueue_bulk` (max(batch >> order, 2)
    /// blocks taken by `__rmqueue`, appended at the tail) when empty.
    
    mutating func rmqueuePCP(zone: Int, order: Int, type: MigrateType, flags: AllocFlags) -> UInt32? {
        let pi = PhysicalMemory.pindex(Int(type.rawValue), order)
        store.pcpFreeFactor[zone] >>= 1
        if pcpLength[zone &* PhysicalMemory.pcpLists &+ pi] == 0 {
            var batch = store.pcpBatch[zone]
            if batch > 1 { batch = max(batch >> order, 2) }
            var got = 0
            while got < batch, let p = rmqueue(zone: zone, order: order, type: type, flags: flags) {
                pcpPush(p, zone: zone, pindex: pi, type: type, atTail: true)
                got += 1
            }
            guard got > 0 else { return nil }
            store.pcpCount[zone] += got << order
            store.zoneFree[zone] -= UInt64(got << order)
            updateLevel(zone)
        }
        guard let p = pcpPop(zone: zone, pindex: pi, fromTail: false) else { return nil }
        store.pcpCount[zone] -= 1 << order
        return p
    }

    /// `free_unref_page` → `free_unref_page_commit`: onto the list of the pageblock's type
    /// (HighAtomic pages go to the Movable list; Isolate straight to the buddy), draining
    /// `nr_pcp_free` blocks when the count reaches high.
    
    mutating func freePCP(_ pfn: UInt32, zone: Int, order: Int) {
        var type = MigrateType(rawValue: blockType[Int(pfn >> 9)])
        if type.rawValue >= UInt8(MigrateType.pcpTypes) {
            if type == .isolate { freeOnePage(pfn, zone: zone, order: order, type: type); updateLevel(zone); return }
            type = .movable
        }
        let pi = PhysicalMemory.pindex(Int(type.rawValue), order)
        pcpPush(pfn, zone: zone, pindex: pi, type: type, atTail: false)
        store.pcpCount[zone] += 1 << order
        let freeHigh = store.pcpFreeFactor[zone] > 0 && order > 0 && order <= PhysicalMemory.costlyOrder
        let high = freeHigh ? 0 : store.pcpHigh[zone]
        if store.pcpCount[zone] >= high {
            freePCPBulk(zone: zone, count: pcpFreeCount(zone: zone, high: high, freeHigh: freeHigh), pindex: pi)
        }
    }

    /// `nr_pcp_free`: batch scaled up by free_factor while it stays below high − batch.
    @usableFromInline
    mutating func pcpFreeCount(zone: Int, high: Int, freeHigh: Bool) -> Int {
        let minFree = store.pcpBatch[zone]
        let maxFree = high - minFree
        if freeHigh { return store.pcpCount[zone] }
        let batch = minFree << store.pcpFreeFactor[zone]
        if batch < maxFree { store.pcpFreeFactor[zone] += 1 }
        return max(minFree, min(batch, max(maxFree, minFree)))
    }

    /// `free_pcppages_bulk`: round-robin over the lists from the one just freed to, oldest pages
    /// first, each merged back into the buddy lists of the type it was queued as.
    @usableFromInline
    mutating func freePCPBulk(zone: Int, count c: Int, pindex start: Int) {
        var count = min(store.pcpCount[zone], c)
        var pi = start - 1
        while count > 0 {
            repeat {
                pi += 1
                if pi > PhysicalMemory.pcpLists - 1 { pi = 0 }
            } while pcpLength[zone &* PhysicalMemory.pcpLists &+ pi] == 0
            let order = PhysicalMemory.pindexOrder(pi)
            repeat {
                let li = zone &* PhysicalMemory.pcpLists &+ pi
                let type = MigrateType(rawValue: state[Int(pcpTail[li])] & 0x7F)
                let p = pcpPop(zone: zone, pindex: pi, fromTail: true)!
                count -= 1 << order
                store.pcpCount[zone] -= 1 << order
                freeOnePage(p, zone: zone, order: order, type: type)
            } while count > 0 && pcpLength[zone &* PhysicalMemory.pcpLists &+ pi] > 0
        }
        updateLevel(zone)
    }

    /// `drain_all_pages`: returns every per-CPU page of every zone to the buddy lists.
    public mutating func drainAllPCP() {
        ensureUnique()
        for z in zoneInfo.indices where store.pcpCount[z] > 0 {
            freePCPBulk(zone: z, count: store.pcpCount[z], pindex: 0)
        }
    }

    /// `zone_batchsize` and `zone_highsize` (6.1): batch = rounddown_pow2(b + b/2) − 1 with
    /// b = min(managed/1024, 256)/4; high = max(low_wmark / cpus, 4·batch).
    mutating func setupPageset(_ z: Int) {
        var b = min(zoneInfo[z].managed >> 10, 256) / 4
        if b < 1 { b = 1 }
        let s = b + b / 2
        let batch = max(1, Int((UInt64(1) << (63 - UInt64(s.leadingZeroBitCount))) - 1))
        zoneInfo[z].pcpBatch = batch
        let cpus = max(1, configuration.cpus)
        zoneInfo[z].pcpHigh = max(Int(zoneInfo[z].lowMark) / cpus, batch << 2)
    }
}
