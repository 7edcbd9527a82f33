import Testing
import MemTrace
@testable import MemModel

@Suite struct AddressSpaceTests {
    var nextID: UInt32 = 1
    func anon(_ id: UInt32, _ start: UInt64, _ end: UInt64, prot: Protection = [.read, .write]) -> VirtualMemoryArea {
        VirtualMemoryArea(id: VMAID(id), start: start, end: end, prot: prot, flags: [], backing: .anonymous, offset: start, name: "")
    }

    @Test func findsTheContainingArea() {
        var s = AddressSpace()
        s.insert(anon(1, 0x1000, 0x3000))
        s.insert(anon(2, 0x10000, 0x20000, prot: [.read]))
        #expect(s.find(0x1000) == 0)
        #expect(s.find(0x2fff) == 0)
        #expect(s.find(0x3000) == nil)
        #expect(s.find(0x10000) == 1)
        #expect(s.find(0x500) == nil)
        #expect(s.invariantViolations().isEmpty)
    }

    @Test func adjacentCompatibleAreasMerge() {
        var s = AddressSpace()
        s.insert(anon(1, 0x1000, 0x2000))
        let r = s.insert(anon(2, 0x2000, 0x3000))
        #expect(s.count == 1 && r.id == VMAID(1) && r.mergedAway == [VMAID(2)])
        s.insert(anon(3, 0x4000, 0x5000))
        let r2 = s.insert(anon(4, 0x3000, 0x4000))
        #expect(s.count == 1)
        #expect(s[0].start == 0x1000 && s[0].end == 0x5000)
        #expect(Set(r2.mergedAway) == [VMAID(4), VMAID(3)])
        s.insert(anon(5, 0x5000, 0x6000, prot: [.read]))
        #expect(s.count == 2)
    }

    @Test func removeSplitsStraddlingAreas() {
        var s = AddressSpace()
        s.insert(anon(1, 0x10000, 0x20000))
        var id: UInt32 = 10
        let (removed, created) = s.remove(0x14000, 0x18000) { id += 1; return VMAID(id) }
        #expect(removed.count == 1 && removed[0].start == 0x14000 && removed[0].end == 0x18000)
        #expect(s.count == 2)
        #expect(s[0].id == VMAID(1) && s[0].end == 0x14000)
        #expect(s[1].start == 0x18000 && s[1].end == 0x20000 && s[1].offset == 0x18000)
        #expect(created.map(\.start) == [0x14000, 0x18000])
        #expect(s.invariantViolations().isEmpty)
    }

    @Test func protectSplitsAndChangesOnlyTheRange() {
        var s = AddressSpace()
        s.insert(anon(1, 0x10000, 0x20000))
        var id: UInt32 = 10
        let (changed, _) = s.protect(0x12000, 0x13000, [.read]) { id += 1; return VMAID(id) }
        #expect(changed.count == 1 && changed[0].prot == [.read])
        #expect(s.areas.map(\.prot) == [[.read, .write], [.read], [.read, .write]])
    }

    @Test func highestGapIsTopDownAndKeepsTheStackGuard() {
        var s = AddressSpace()
        var stack = anon(1, 0x7000_0000, 0x7001_0000)
        stack.flags = [.growsDown]
        s.insert(stack)
        s.insert(anon(2, 0x6000_0000, 0x6800_0000))
        // Above the stack there is room below the ceiling.
        #expect(s.highestGap(length: 0x10000, floor: 0x1000, ceiling: 0x7100_0000, guardGap: 0x10_0000) == 0x70ff_0000)
        // With the ceiling at the stack's end, the highest gap ends a guard gap below the stack.
        let a = s.highestGap(length: 0x10000, floor: 0x1000, ceiling: 0x7001_0000, guardGap: 0x10_0000)
        #expect(a == 0x7000_0000 - 0x10_0000 - 0x10000)
        // A gap too small between areas is skipped.
        let b = s.highestGap(length: 0x800_0000, floor: 0x1000, ceiling: 0x6fff_0000, guardGap: 0x10_0000)
        #expect(b == 0x6000_0000 - 0x800_0000)
        #expect(s.highestGap(length: 0x8000_0000, floor: 0x1000, ceiling: 0x7000_0000, guardGap: 0) == nil)
    }

    @Test func randomMapUnmapProtectKeepInvariants() {
        var rng = TestRNG(7)
        var s = AddressSpace()
        var id: UInt32 = 1
        for _ in 0..<3000 {
            let start = rng.below(512) << 12
            let end = start + (1 + rng.below(32)) << 12
            switch rng.below(3) {
            case 0:
                if !s.overlaps(start, end) { id += 1; s.insert(anon(id, start, end, prot: rng.below(2) == 0 ? [.read] : [.read, .write])) }
            case 1:
                _ = s.remove(start, end) { id += 1; return VMAID(id) }
                #expect(!s.overlaps(start, end))
            default:
                if s.isFullyMapped(start, end) { _ = s.protect(start, end, [.read]) { id += 1; return VMAID(id) } }
            }
            #expect(s.invariantViolations().isEmpty)
        }
    }

    @Test func lookupsOnTenThousandAreas() {
        var s = AddressSpace()
        for i in 0..<10_000 { s.insert(anon(UInt32(i + 1), UInt64(i) * 0x3000, UInt64(i) * 0x3000 + 0x2000, prot: i % 2 == 0 ? [.read] : [.read, .write])) }
        #expect(s.count == 10_000)
        for i in stride(from: 0, to: 10_000, by: 97) {
            #expect(s.find(UInt64(i) * 0x3000 + 0x1800) == i)
            #expect(s.find(UInt64(i) * 0x3000 + 0x2800) == nil)
        }
    }
}
