import Testing
import MemTrace
@testable import MemModel

/// kswapd wake-ups reported by the physical layer as values (`KswapdWakeup`), merged per node as
/// `wakeup_kswapd` merges `kswapd_order` and `kswapd_highest_zoneidx`, and taken by the kernel
/// after each event; a failed allocation reported as an `AllocationFailure`.
@Suite struct KswapdWakeupTests {
    @Test func wakeupsMergePerNodeKeepingTheHighestOrderAndZoneIndex() {
        var c = PhysicalConfiguration(); c.nodeCount = 2
        var m = PhysicalMemory(configuration: c, memoryBytes: 3584 << 20, kernelReservedBytes: 1 << 20)
        let zones0 = m.nodeZones[0].filter { m.zoneInfo[$0].isManaged }
        let zones1 = m.nodeZones[1].filter { m.zoneInfo[$0].isManaged }
        let low0 = zones0.first!, high0 = zones0.last!, high1 = zones1.last!
        let type0 = m.zoneInfo[high0].type, type1 = m.zoneInfo[high1].type
        m.wakeKswapd(zone: low0, order: 3, highest: m.zoneInfo[low0].type)
        m.wakeKswapd(zone: high1, order: 1, highest: type1)
        m.wakeKswapd(zone: high0, order: 0, highest: type0)
        m.wakeKswapd(zone: low0, order: 2, highest: m.zoneInfo[low0].type)
        #expect(m.pendingKswapdWakeups.count == 2)
        let w = m.takeKswapdWakeups()
        #expect(w == [KswapdWakeup(node: 0, zone: high0, order: 3, highestZoneIndex: Int(type0.rawValue)),
                      KswapdWakeup(node: 1, zone: high1, order: 1, highestZoneIndex: Int(type1.rawValue))])
        #expect(m.takeKswapdWakeups().isEmpty && m.pendingKswapdWakeups.isEmpty)
        #expect(m.stats.kswapdWakeups == 4)           // every wakeup_kswapd call still counted
    }

    @Test func mergeKeepsTheMaximaWhicheverComesFirst() {
        var a = KswapdWakeup(node: 0, zone: 2, order: 9, highestZoneIndex: 1)
        a.merge(KswapdWakeup(node: 0, zone: 1, order: 0, highestZoneIndex: 2))
        #expect(a == KswapdWakeup(node: 0, zone: 2, order: 9, highestZoneIndex: 2))
        var b = KswapdWakeup(node: 1, zone: 4, order: 0, highestZoneIndex: 2)
        b.merge(KswapdWakeup(node: 1, zone: 4, order: 4, highestZoneIndex: 2))
        #expect(b.order == 4)
    }

    @Test func exhaustionWakesKswapdWithTheRequestsOrderAndReportsTheFailure() {
        var m = PhysicalMemory(configuration: PhysicalConfiguration(), memoryBytes: 16 << 20, kernelReservedBytes: 1 << 20)
        while let p = m.allocatePages(order: 0, gfp: .highUserMovable) { m.setUse(p, order: 0, .anonymous) }
        let failure = m.lastFailure
        #expect(failure?.reason == .needsReclaim && failure?.order == 0 && failure?.gfp == .highUserMovable)
        #expect(failure?.zone.map { m.zoneInfo[$0].isManaged } == true)
        let calls = m.stats.kswapdWakeups
        #expect(calls > 0)
        let first = m.takeKswapdWakeups()
        #expect(first.count == 1 && first[0].node == 0 && first[0].order == 0)
        #expect(first[0].highestZoneIndex == Int(ZoneType.normal.rawValue))   // gfp_zone(GFP_HIGHUSER_MOVABLE)
        // Two more failing requests before the next take: one wake-up, with the larger order.
        #expect(m.allocatePages(order: 3, gfp: .highUserMovable) == nil)
        #expect(m.allocatePages(order: 1, gfp: .highUserMovable) == nil)
        #expect(m.lastFailure?.order == 1)
        let merged = m.takeKswapdWakeups()
        #expect(merged.count == 1 && merged[0].order == 3)
        #expect(m.stats.kswapdWakeups > calls)
        // An order beyond MAX_ORDER fails at once, and says so.
        _ = m.allocatePages(order: 11, gfp: .highUserMovable)
        #expect(m.lastFailure == AllocationFailure(reason: .orderTooLarge, order: 11, gfp: .highUserMovable, zone: nil))
        #expect(m.invariantViolations().isEmpty)
    }

    @Test func theKernelTakesTheWakeupsAfterEachEvent() {
        var k = makeKernel(memory: 32 << 20)
        var chunks = 0
        while k.frames.stats.kswapdWakeups == 0 && chunks < 16 {
            let a = k.mapAnon(4 << 20)
            chunks += 1
            for i in 0..<UInt64(1024) where k.frames.stats.kswapdWakeups == 0 { _ = k.store(a + i << 12) }
        }
        #expect(k.frames.stats.kswapdWakeups > 0)
        #expect(k.frames.pendingKswapdWakeups.isEmpty)                 // taken by settle()
        #expect(k.lastKswapdWakeups.count == 1 && k.lastKswapdWakeups[0].node == 0)
        #expect(k.stats.kswapdRequests >= 1 && k.stats.kswapdRequests <= k.frames.stats.kswapdWakeups)
        #expect(k.metrics().contains { $0.name == "kernel.kswapd_requests" && $0.value == Double(k.stats.kswapdRequests) })
        #expect(k.value(of: .kswapdWakeups) == Int64(k.frames.stats.kswapdWakeups))
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func noWakeupsNoMetric() {
        var k = makeKernel()
        let a = k.mapAnon(16 << 12)
        _ = k.store(a)
        #expect(k.lastKswapdWakeups.isEmpty && k.stats.kswapdRequests == 0)
        #expect(!k.metrics().contains { $0.name == "kernel.kswapd_requests" })
    }
}
