import Testing
@testable import MemModel

/// Randomized allocate/free storms on the buddy allocator (seeded), checked against the invariants.
@Suite struct BuddyStormTests {
    func machine(_ mb: UInt64 = 64) -> PhysicalMemory {
        PhysicalMemory(configuration: PhysicalConfiguration(), memoryBytes: mb << 20, kernelReservedBytes: 1 << 20)
    }

    @Test(arguments: [1, 2, 3])
    func stormsKeepInvariantsAndMergeBackCompletely(seed: UInt64) {
        var m = machine()
        let initialBuddy = m.zones.map(\.nrFree)
        var rng = TestRNG(seed)
        var held: [(PageFrameNumber, Int)] = []
        let masks: [GFPMask] = [.highUserMovable, .kernel, [.kernel, .reclaimable], .pageTableUser, .atomicAlloc]
        for step in 0..<20_000 {
            if held.isEmpty || rng.below(100) < 55 {
                let gfp = masks[Int(rng.below(UInt64(masks.count)))]
                // User pages are order 0 (compaction moves them one by one); kernel blocks any order.
                let order = gfp.contains(.movable) || rng.below(10) < 7 ? 0 : Int(rng.below(11))
                if let p = m.allocatePages(order: order, gfp: gfp) {
                    let u: PageUse = gfp.contains(.movable) ? .anonymous : .slab
                    m.setUse(p, order: order, u)
                    held.append((p, order))
                }
                // Compaction in the slow path may have moved user pages: follow them.
                let moves = m.takeMigrations()
                if !moves.isEmpty {
                    var to: [PageFrameNumber: PageFrameNumber] = [:]
                    for mv in moves { to[mv.from] = mv.to }
                    for i in held.indices { while let t = to[held[i].0] { held[i].0 = t } }
                }
            } else {
                let i = Int(rng.below(UInt64(held.count)))
                let (p, o) = held.remove(at: i)
                m.freePages(p, order: o)
            }
            if step % 2500 == 0 {
                let v = m.invariantViolations()
                #expect(v.isEmpty, "step \(step): \(v.prefix(5))")
                if !v.isEmpty { return }
            }
        }
        // No overlaps among the blocks held.
        var seen = Set<UInt64>()
        for (p, o) in held { for k in 0..<(UInt64(1) << UInt64(o)) { #expect(seen.insert(p.rawValue + k).inserted) } }
        for (p, o) in held { m.freePages(p, order: o) }
        m.drainAllPCP()
        #expect(m.invariantViolations().isEmpty)
        #expect(m.freePages == m.totalPages)
        #expect(m.buddyFreePages == m.totalPages)
        // Everything merged back: the same free blocks per order as at boot, except that pageblocks
        // reserved HighAtomic by GFP_ATOMIC high-order requests do not merge with their neighbours.
        #expect(m.zones.map { Array($0.nrFree.prefix(9)) } == initialBuddy.map { Array($0.prefix(9)) })
        let reserved = m.zones.indices.reduce(UInt64(0)) { $0 + m.pageblockCounts(zone: $1)[Int(MigrateType.highAtomic.rawValue)] }
        let extraOrder9 = m.zones.indices.reduce(0) { $0 + Int(m.zones[$1].nrFree[9]) - Int(initialBuddy[$1][9]) }
        #expect(extraOrder9 == 0 || reserved > 0)
        #expect(extraOrder9 <= 2 * Int(reserved))
    }

    @Test func perTypeCountsAddUpToBuddyinfo() {
        var m = machine()
        var rng = TestRNG(9)
        for _ in 0..<3000 {
            let gfp: GFPMask = rng.below(3) == 0 ? .kernel : .highUserMovable
            if let p = m.allocatePages(order: Int(rng.below(4)), gfp: gfp) { _ = p }
        }
        for z in m.zones.indices {
            for o in 0..<PhysicalMemory.orders {
                let sum = MigrateType.all.reduce(UInt64(0)) { $0 + m.freeBlocks(zone: z, order: o, type: $1) }
                #expect(sum == m.zones[z].nrFree[o])
            }
        }
    }

    @Test func splitReturnsTheLowestPartAndFreeMergesBuddies() {
        var m = machine()
        let z = m.zoneIndex(of: PageFrameNumber(5000))!
        // Take an order-10 block straight from the buddy lists, split down to order 0.
        let before = m.zones[z].nrFree
        let p = m.rmqueueSmallest(zone: z, order: 0, type: .movable)!
        #expect(p & 1023 == 0)
        for o in 0..<10 { #expect(m.zones[z].nrFree[o] == before[o] + 1) }
        #expect(m.zones[z].nrFree[10] == before[10] - 1)
        m.store.zoneFree[z] -= 1
        m.freeOnePage(p, zone: z, order: 0, type: .movable)
        #expect(m.zones[z].nrFree == before)
        #expect(m.invariantViolations().isEmpty)
    }

    @Test func unmovableStealsAWholeBlockAndClaimsItsPageblocks() {
        var m = machine()
        let counts0 = m.pageblockCounts(zone: 1)
        #expect(counts0[Int(MigrateType.unmovable.rawValue)] == 0)
        let p = m.allocatePages(order: 0, gfp: .kernel)!
        m.setUse(p, order: 0, .slab)
        // The fallback took the largest block (order 10) and re-tagged its two pageblocks.
        let counts = m.pageblockCounts(zone: m.zoneIndex(of: p)!)
        #expect(counts[Int(MigrateType.unmovable.rawValue)] == 2)
        #expect(m.pageblockType(of: p) == .unmovable)
        #expect(m.stats.extfragEvents == 1)
    }

    @Test func watermarkCheckHonoursMinAndReserve() {
        var m = machine()
        let z = 1
        let free = Int64(m.zones[z].freePages)
        #expect(m.watermarkOK(z, order: 0, mark: UInt64(free) - 1, highest: 1, flags: [], free: free))
        #expect(!m.watermarkOK(z, order: 0, mark: UInt64(free), highest: 1, flags: [], free: free))
        // __GFP_HIGH halves the mark, ALLOC_HARDER takes a further quarter: 0.375·mark.
        #expect(m.watermarkOK(z, order: 0, mark: UInt64(free) * 2, highest: 1, flags: [.high, .harder], free: free))
        // Order 9 needs a block of order ≥ 9.
        #expect(m.watermarkOK(z, order: 9, mark: 0, highest: 1, flags: [], free: free))
        m.zoneInfo[z].lowmemReserve[2] = UInt64(free); m.syncHot(z)
        #expect(!m.watermarkOK(z, order: 0, mark: 0, highest: 2, flags: [], free: free))
        _ = m.allocatePages(order: 0, gfp: .highUserMovable)
    }

    @Test func exhaustionFailsAtTheReclaimSeam() {
        var m = machine(16)
        var n: UInt64 = 0
        while let p = m.allocatePages(order: 0, gfp: .highUserMovable) { m.setUse(p, order: 0, .anonymous); n += 1 }
        #expect(m.lastFailure?.reason == .needsReclaim && m.lastFailure?.order == 0)
        #expect(m.lastFailure?.gfp == .highUserMovable && m.lastFailure?.zone != nil)
        // User pages stop at the min watermark (plus lowmem reserve): the reserves stay free.
        #expect(n < m.totalPages)
        #expect(m.buddyFreePages > 0)
        #expect(m.invariantViolations().isEmpty)
        // GFP_ATOMIC may dig below min.
        #expect(m.allocatePages(order: 0, gfp: .atomicAlloc) != nil)
    }
}
