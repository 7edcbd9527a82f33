import Testing
import MemTrace
@testable import MemModel

/// `frameLocation` answers from the boot-time table of managed pfn ranges as the zone snapshot
/// answered, for every managed frame, and nil everywhere else.
@Suite struct FrameLocationTests {
    @Test func agreesWithTheZoneSnapshotOnEveryManagedFrame() {
        var busy = makeKernel(memory: 3584 << 20, nodes: 2)
        let a = busy.mapAnon(256 << 12)
        for i in 0..<256 { _ = busy.store(a + UInt64(i) << 12) }
        for k in [makeKernel(), makeKernel(memory: 256 << 20), busy] {
            let m = k.frames, zones = m.zones
            // Managed pfns from the layouts: the last `managed` of each zone's present pages.
            var managed: [Range<UInt64>] = []
            for z in zones where z.isManaged {
                let l = z.layout
                managed.append((l.startPFN + l.present - l.managed)..<(l.startPFN + l.present))
            }
            #expect(m.locations.managedRanges.map(\.pfns) == managed.sorted { $0.lowerBound < $1.lowerBound })
            var located: UInt64 = 0, heldByTheKernel: UInt64 = 0
            for pfn in 0..<(m.endPFN + 1024) {
                let f = PageFrameNumber(pfn)
                let new = k.frameLocation(f)
                if managed.contains(where: { $0.contains(pfn) }) {
                    // The old answer: the pageblock's zone index, then that zone of a snapshot.
                    let z = m.zoneIndex(of: f)!
                    let old = (zones[z].node, zones[z].type)
                    if new == nil || new! != old { Issue.record("pfn \(pfn): \(String(describing: new)) but the zone snapshot says \(old)"); return }
                    located += 1
                    // Every managed frame is one the allocator holds or handed out for a use (no
                    // huge zero page here: the one allocated frame the model marks `.kernel`).
                    if m.useOf(f) == .kernel { heldByTheKernel += 1 }
                } else if new != nil {
                    Issue.record("pfn \(pfn) outside managed memory located at \(new!)"); return
                }
            }
            #expect(located == m.totalPages && heldByTheKernel == 0)
            #expect(k.frameLocation(m.zeroPage) == nil)
            #expect(k.frameLocation(PageFrameNumber(m.endPFN)) == nil && k.frameLocation(PageFrameNumber(0)) == nil)
        }
    }

    @Test func framesOfBothNodesAreLocated() {
        let k = makeKernel(memory: 3584 << 20, nodes: 2)
        let normals = k.frames.zoneInfo.filter { $0.type == .normal && $0.isManaged }
        #expect(normals.map(\.node) == [0, 1])
        for z in normals {
            let last = PageFrameNumber(z.layout.startPFN + z.layout.present - 1)
            #expect(k.frameLocation(last)! == (z.node, ZoneType.normal))
        }
    }
}
