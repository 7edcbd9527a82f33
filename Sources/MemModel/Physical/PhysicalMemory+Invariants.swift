/// The physical layer's invariant checker, used by the property tests.
extension PhysicalMemory {
    /// Checks every structure; returns a description of each violation (empty when sound).
    ///
    /// Pages are conserved (free + each use = managed); every free frame sits in exactly one
    /// free block or on a per-CPU list and free blocks do not overlap; every free block is
    /// aligned, inside one zone and marked as its list says; no two free buddies of the same
    /// order are left unmerged (except across HighAtomic/Isolate pageblocks at pageblock order);
    /// the zone counts (NR_FREE_PAGES, nr_free per order, per-type list lengths, per-CPU counts)
    /// equal a recount of the lists; the per-frame facts are sound (`frameFactViolations`).
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        var counts = Array(repeating: UInt64(0), count: PageUse.allCases.count)
        for zi in zoneInfo.indices where zoneInfo[zi].isPopulated {
            let l = zoneInfo[zi].layout
            for p in Int(l.startPFN)..<Int(l.startPFN + l.present) { counts[Int(use[p].rawValue)] += 1 }
        }
        counts[Int(PageUse.kernel.rawValue)] = 0
        var expected = (0..<PageUse.allCases.count).map { useCounts[$0] }; expected[Int(PageUse.kernel.rawValue)] = 0
        if counts != expected { problems.append("use counts \(expected) differ from a recount \(counts)") }
        // Kernel allocations after boot (the huge zero page) are in useCounts[.kernel]; reserved frames are not.
        let allocatedKernel = useCounts[Int(PageUse.kernel.rawValue)]
        if expected.reduce(0, +) + allocatedKernel != totalPages {
            problems.append("pages not conserved: \(expected.reduce(0, +)) + \(allocatedKernel) ≠ \(totalPages)")
        }
        var covered = Array(repeating: false, count: Int(endPFN))
        for zi in zoneInfo.indices {
            var free: UInt64 = 0
            for o in 0..<PhysicalMemory.orders {
                var perOrder: UInt64 = 0
                for t in 0..<MigrateType.count {
                    let li = PhysicalMemory.listIndex(zi, o, t)
                    var n: UInt32 = 0
                    var p = head[li]
                    var last = PhysicalMemory.none
                    while p != PhysicalMemory.none {
                        n += 1
                        let i = Int(p)
                        if prev[i] != last { problems.append("zone \(zi) order \(o) type \(t): broken back link at pfn \(p)") }
                        if state[i] != UInt8(o) | UInt8(t << 4) { problems.append("pfn \(p) on list order \(o) type \(t) but marked \(state[i])") }
                        if Int(p) & ((1 << o) - 1) != 0 { problems.append("free block at pfn \(p) not aligned to order \(o)") }
                        for k in i..<(i + (1 << o)) {
                            if k >= covered.count || blockZone[k >> 9] != UInt8(zi) { problems.append("free block at pfn \(p) order \(o) leaves zone \(zi)"); break }
                            if covered[k] { problems.append("pfn \(k) in two free blocks") }
                            covered[k] = true
                            if use[k] != .free { problems.append("pfn \(k) in a free block but holds \(use[k].name)") }
                        }
                        if o < PhysicalMemory.maxOrder {
                            let b = Int(p ^ (1 << UInt32(o)))
                            if UInt64(b) < endPFN, state[b] != PhysicalMemory.notFree, state[b] & PhysicalMemory.onPCP == 0,
                               Int(state[b] & 0x0F) == o, blockZone[b >> 9] == UInt8(zi) {
                                let mergeable = o < PhysicalMemory.pageblockOrder
                                    || (MigrateType(rawValue: blockType[i >> 9]).isMergeable && MigrateType(rawValue: blockType[b >> 9]).isMergeable)
                                    || blockType[i >> 9] == blockType[b >> 9]
                                if mergeable && p < UInt32(b) { problems.append("free buddies at pfn \(p) and \(b), order \(o), left unmerged") }
                            }
                        }
                        last = p
                        p = next[i]
                    }
                    if tail[li] != last { problems.append("zone \(zi) order \(o) type \(t): tail is \(tail[li]), last is \(last)") }
                    if n != listLength[li] { problems.append("zone \(zi) order \(o) type \(t): \(n) blocks listed, count says \(listLength[li])") }
                    perOrder += UInt64(n)
                    if t != Int(MigrateType.isolate.rawValue) { free += UInt64(n) << UInt64(o) }
                }
                if perOrder != store.nrFree[(zi) &* PhysicalMemory.orders &+ (o)] { problems.append("zone \(zi) order \(o): nr_free \(store.nrFree[(zi) &* PhysicalMemory.orders &+ (o)]) but \(perOrder) listed") }
            }
            if free != store.zoneFree[zi] { problems.append("zone \(zi): NR_FREE_PAGES \(store.zoneFree[zi]) but \(free) on the lists") }
            var pcp = 0
            for pi in 0..<PhysicalMemory.pcpLists {
                let li = zi * PhysicalMemory.pcpLists + pi
                let order = PhysicalMemory.pindexOrder(pi)
                var p = pcpHead[li], n: UInt32 = 0
                while p != PhysicalMemory.none {
                    n += 1
                    let i = Int(p)
                    if state[i] & PhysicalMemory.onPCP == 0 { problems.append("pfn \(p) on a per-CPU list but not marked") }
                    for k in i..<(i + (1 << order)) where k < covered.count {
                        if covered[k] { problems.append("pfn \(k) both on a per-CPU list and free elsewhere") }
                        covered[k] = true
                        if use[k] != .free { problems.append("pfn \(k) on a per-CPU list but holds \(use[k].name)") }
                    }
                    pcp += 1 << order
                    p = next[i]
                }
                if n != pcpLength[li] { problems.append("zone \(zi) pcp list \(pi): \(n) listed, count says \(pcpLength[li])") }
            }
            if pcp != store.pcpCount[zi] { problems.append("zone \(zi): pcp count \(store.pcpCount[zi]) but \(pcp) listed") }
        }
        for k in 0..<Int(endPFN) where use[k] == .free && !covered[k] { problems.append("free pfn \(k) on no list"); if problems.count > 50 { break } }
        if let k = (0..<Int(endPFN)).first(where: { mapCount[$0] < 0 }) { problems.append("negative mapcount at pfn \(k)") }
        return problems + frameFactViolations() + lruViolations()
    }

    /// The per-frame facts kept for the layers above: no entire mapcount below zero, the count of
    /// entire-mapped folios equal to a recount, and a free frame without mapcount, entire
    /// mapcount or owner (`free_pages_prepare`'s `page_expected_state` checks, and
    /// `folio->mapping` cleared on free).
    func frameFactViolations() -> [String] {
        var problems: [String] = []
        var entireMapped: UInt64 = 0, reported = 0
        for k in 0..<Int(endPFN) {
            if compoundMapCount[k] != 0 { entireMapped += 1 }
            if compoundMapCount[k] < 0 { problems.append("negative entire mapcount at pfn \(k)") }
            guard use[k] == .free, mapCount[k] != 0 || compoundMapCount[k] != 0 || ownerID[k] != 0 || ownerIndex[k] != 0 else { continue }
            reported += 1
            if reported <= 10 {
                let owner = FrameOwner(id: ownerID[k], packed: ownerIndex[k])
                problems.append("free pfn \(k) has mapcount \(mapCount[k]), entire mapcount \(compoundMapCount[k]), owner \(owner)")
            }
        }
        if reported > 10 { problems.append("\(reported - 10) more free frames with a mapcount or owner") }
        if entireMapped != entireMappedFolios {
            problems.append("\(entireMappedFolios) folios counted as entire-mapped but \(entireMapped) frames have an entire mapcount")
        }
        return problems
    }

    /// Free blocks per order and migrate type of zone `z`, counted from the lists (what
    /// /proc/pagetypeinfo prints), and nr_free per order (what /proc/buddyinfo prints).
    public func freeBlocks(zone z: Int, order: Int, type: MigrateType) -> UInt64 {
        UInt64(listLength[PhysicalMemory.listIndex(z, order, Int(type.rawValue))])
    }

    /// Pageblocks of each migrate type in zone `z` (pagetypeinfo's "Number of blocks type").
    public func pageblockCounts(zone z: Int) -> [UInt64] {
        var counts = Array(repeating: UInt64(0), count: MigrateType.count)
        let l = zoneInfo[z].layout
        guard l.spanned > 0 else { return counts }
        var pfn = l.startPFN
        while pfn < l.endPFN {
            counts[Int(blockType[Int(pfn >> 9)])] += 1
            pfn += PhysicalMemory.pageblockPages
        }
        return counts
    }
}
