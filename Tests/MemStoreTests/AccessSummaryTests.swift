import Foundation
import MemModel
import MemTrace
import Testing
@testable import MemStore

@Suite struct AccessSummaryTests {
    @Test func rowFamiliesParseTheFamilyNames() throws {
        #expect(try RowFamilies(parsing: "all") == .all)
        #expect(try RowFamilies(parsing: "memory,alloc") == [.memory, .alloc])
        #expect(try RowFamilies(parsing: " Access , control") == [.access, .control])
        #expect(try RowFamilies(parsing: "") == [])
        #expect(try RowFamilies(parsing: "file,all") == .all)
        #expect(RowFamilies([.alloc, .memory]).description == "alloc,memory")
        #expect(RowFamilies.all.description == "all")
        do {
            _ = try RowFamilies(parsing: "alloc,faults")
            Issue.record("faults is not an event family")
        } catch let error as StoreError {
            #expect(error.message == "--rows: unknown event family 'faults' (allowed: access, process, alloc, memory, file, control, all)")
        }
        // Every event kind's family is the one event_kinds.family names.
        for kind in EventKind.allCases {
            let named = RowFamilies.named.first { $0.family == RowFamilies.of(kind) }?.name
            #expect(named == kind.family, "\(kind)")
        }
    }

    @Test func sumsPerGroupAndChecksItsInvariants() {
        var s = AccessSummary()
        let pid = ProcessID(7)
        let vma = VMAID(3)
        let load = MemoryAccess(kind: .load, address: VirtualAddress(0x1000), size: 8)
        let store = MemoryAccess(kind: .store, address: VirtualAddress(0x1008), size: 4)
        let hit = Translation(fault: .none, frame: PageFrameNumber(5), vma: vma)
        let walk = HardwareOutcome(tlb: .walk, walkReferences: 2, walkServed: UInt16(MemoryLevel.l2.rawValue) | UInt16(MemoryLevel.memory.rawValue) << 3,
                                   servedBy: .memory, dram: .rowConflict, remote: true, latency: 300)
        let l1 = HardwareOutcome(tlb: .l1Hit, servedBy: .l1, latency: 4)
        s.add(pid: pid, load, hit, walk)
        s.add(pid: pid, load, hit, l1)
        s.add(pid: pid, store, hit, .none)
        s.startPhase(seq: 10, name: StringID(rawValue: 2))
        s.add(pid: pid, load, hit, l1)
        #expect(s.keys.count == 3)
        #expect(s.invariantViolations().isEmpty, "\(s.invariantViolations())")
        let first = s.sums(ofGroup: 0)
        typealias C = AccessSummary.Column
        #expect(first[C.accesses] == 2 && first[C.bytes] == 16 && first[C.hwAccesses] == 2)
        #expect(first[C.tlb + Int(TLBOutcome.walk.rawValue)] == 1 && first[C.tlb + Int(TLBOutcome.l1Hit.rawValue)] == 1)
        #expect(first[C.servedBy + Int(MemoryLevel.memory.rawValue)] == 1 && first[C.dram + Int(DRAMOutcome.rowConflict.rawValue)] == 1)
        #expect(first[C.walkRefs] == 2 && first[C.walkServed + Int(MemoryLevel.l2.rawValue)] == 1
                && first[C.walkServed + Int(MemoryLevel.memory.rawValue)] == 1)
        #expect(first[C.remote] == 1 && first[C.latency] == 304 && first[C.latencyMax] == 300)
        #expect(s.keys[1].kind == AccessKind.store.rawValue && s.sums(ofGroup: 1)[C.hwAccesses] == 0)
        #expect(s.keys[2].phase == 10 && s.phaseNames[10] == 2)
        #expect(s.total(C.accesses) == 4 && s.total(C.bytes) == 28)
        #expect(AccessSummary.sumColumns.count == AccessSummary.width)

        var broken = s
        broken.index[s.keys[0]] = 2
        #expect(broken.invariantViolations().contains { $0.hasPrefix("group 0 ") && $0.contains("is indexed at") })
    }
}
