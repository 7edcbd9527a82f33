import Testing
import MemTrace
@testable import MemModel

@Suite struct HardwareCacheTests {
    @Test func lruEvictsTheLeastRecentlyUsedWay() {
        var c = SetAssociativeCache(sets: 1, ways: 4, policy: .lru)
        for k in UInt64(1)...4 { #expect(!c.access(k).hit) }
        #expect(c.access(1).hit)                       // order now 1 4 3 2
        let p = c.access(5)
        #expect(!p.hit && p.evicted == 2)
        #expect(c.keys == [5, 1, 4, 3])
        #expect(c.invariantViolations().isEmpty)
    }

    @Test(arguments: ReplacementPolicy.allCases)
    func everyPolicyKeepsItsInvariantsUnderARandomStorm(_ policy: ReplacementPolicy) {
        var c = SetAssociativeCache(sets: 16, ways: 8, policy: policy, seed: 9)
        var rng = TestRNG(UInt64(policy.hashValue & 0xffff) | 1)
        var hits = 0
        for i in 0..<20000 {
            let key = rng.below(300)
            let p = c.access(key, dirty: rng.below(3) == 0)
            if p.hit { hits += 1 } else { #expect(c.contains(key)) }
            if i % 97 == 0 { c.remove(rng.below(300)) }
        }
        #expect(c.invariantViolations().isEmpty)
        #expect(c.occupancy <= c.capacity)
        #expect(hits > 0 && hits < 20000)
    }

    @Test func treePLRUAndSRRIPChooseTheirVictims() {
        var plru = SetAssociativeCache(sets: 1, ways: 4, policy: .treePLRU)
        for k in UInt64(1)...4 { _ = plru.access(k) }
        _ = plru.access(1); _ = plru.access(3)           // the tree points at the pair {2} side
        #expect(plru.access(5).evicted == 2)
        var rrip = SetAssociativeCache(sets: 1, ways: 2, policy: .srrip)
        _ = rrip.access(1); _ = rrip.access(2); _ = rrip.access(1)   // 1 promoted to RRPV 0
        #expect(rrip.access(3).evicted == 2)
    }

    @Test func copiesAreIndependentValues() {
        // The tag arrays live in one shared allocation per value; a mutation copies it first.
        var a = SetAssociativeCache(sets: 4, ways: 2, policy: .srrip)
        _ = a.access(1); _ = a.access(5)
        var b = a
        _ = b.access(9); b.remove(1)
        #expect(a.contains(1) && a.contains(5) && !a.contains(9))
        #expect(b.contains(9) && !b.contains(1))
        var hw = MemoryHierarchy(.seedX86info)
        let walk = PageWalk([PageFrameNumber(10), PageFrameNumber(11), PageFrameNumber(12), PageFrameNumber(13)])
        func load(_ h: inout MemoryHierarchy, _ va: UInt64) -> HardwareOutcome {
            h.access(MemoryAccess(kind: .load, address: VirtualAddress(va), size: 8), asid: 1, frame: PageFrameNumber(0x100 + (va >> 12)), walk: walk)
        }
        _ = load(&hw, 0x1000)
        let probes = hw.stats(1).accesses
        var copy = hw
        #expect(load(&copy, 0x9000).tlb == .walk)
        #expect(load(&copy, 0x9000).servedBy == .l1)
        #expect(hw.needsWalk(MemoryAccess(kind: .load, address: VirtualAddress(0x9000), size: 8), asid: 1), "the original's TLBs did not change")
        #expect(!hw.tags(1).contains((0x109 << 12) >> 6) && copy.tags(1).contains((0x109 << 12) >> 6))
        #expect(hw.stats(1).accesses == probes && copy.stats(1).accesses > probes)
        #expect(load(&hw, 0x1000).servedBy == .l1 && hw.invariantViolations().isEmpty && copy.invariantViolations().isEmpty)
    }

    @Test func writeBackHierarchyWritesDirtyVictimsDown() {
        var config = HardwareConfiguration(name: "t", l1d: CacheConfiguration(geometry: CacheGeometry(sizeBytes: 128, ways: 2, lineBytes: 64), latencyCycles: 1),
                                           l2: CacheConfiguration(geometry: CacheGeometry(sizeBytes: 1024, ways: 4, lineBytes: 64), latencyCycles: 5, inclusion: .inclusive))
        config.memoryLatencyCycles = 100
        var hw = MemoryHierarchy(config)
        func store(_ a: UInt64) -> HardwareOutcome {
            hw.access(MemoryAccess(kind: .store, address: VirtualAddress(a), size: 8), asid: 1, frame: PageFrameNumber(a >> 12), walk: .unknown)
        }
        #expect(store(0).latency == 106 && store(0).servedBy == .l1)
        _ = store(128); _ = store(256)                    // set 0 of L1 (1 set of 2 ways): 0 is evicted dirty
        #expect(hw.caches[1]!.writeBacks == 1)
        #expect(hw.tags(2).contains(0))
        #expect(hw.invariantViolations().isEmpty)
    }

    @Test func exclusiveLastLevelTakesVictimsAndGivesLinesUp() {
        let config = HardwareConfiguration(name: "t", l1d: CacheConfiguration(geometry: CacheGeometry(sizeBytes: 64, ways: 1, lineBytes: 64), latencyCycles: 1),
                                           l3: CacheConfiguration(geometry: CacheGeometry(sizeBytes: 1024, ways: 4, lineBytes: 64), latencyCycles: 10, inclusion: .exclusive))
        var hw = MemoryHierarchy(config)
        func load(_ a: UInt64) -> MemoryLevel {
            hw.access(MemoryAccess(kind: .load, address: VirtualAddress(a), size: 8), asid: 1, frame: PageFrameNumber(a >> 12), walk: .unknown).servedBy
        }
        #expect(load(0) == .memory)
        #expect(!hw.tags(3).contains(0), "an exclusive level is not filled from memory")
        #expect(load(64) == .memory)                      // evicts line 0 from L1 into L3
        #expect(hw.tags(3).contains(0))
        #expect(load(0) == .l3)
        #expect(!hw.tags(3).contains(0), "a hit moves the line up")
    }

    @Test func cachegrindRulesStraddlesModifyAndClipping() {
        var config = HardwareConfiguration.cachegrind
        config.recordAccesses = true
        var hw = MemoryHierarchy(config)
        func go(_ k: AccessKind, _ a: UInt64, _ size: UInt32) -> HardwareOutcome {
            hw.access(MemoryAccess(kind: k, address: VirtualAddress(a), size: size), asid: 1, frame: PageFrameNumber(0), walk: .unknown)
        }
        // A load straddling lines 0 and 1: probes both, counts one D1 miss and one LL miss.
        #expect(go(.load, 60, 8).servedBy == .memory)
        #expect(hw.counters.Dr == 1 && hw.counters.D1mr == 1 && hw.counters.DLmr == 1)
        #expect(go(.load, 64, 8).servedBy == .l1, "line 1 was installed by the straddling probe")
        // A modify is one read; a store is a write.
        _ = go(.modify, 128, 4); _ = go(.store, 192, 4)
        #expect(hw.counters.Dr == 3 && hw.counters.Dw == 1 && hw.counters.D1mw == 1)
        // A 512-byte access is clipped to 64 bytes: it touches lines 4 and 5 only.
        _ = go(.load, 4 * 64 + 32, 512)
        #expect(hw.tags(1).contains(4) && hw.tags(1).contains(5) && !hw.tags(1).contains(6))
        // The LL is probed only on an L1 miss.
        let llBefore = hw.stats(3).accesses
        _ = go(.load, 64, 4)
        #expect(hw.stats(3).accesses == llBefore)
        #expect(hw.invariantViolations().isEmpty)
    }

    @Test func settingsParseCachegrindTriplesAndRejectBadOnes() throws {
        var m = MachineConfiguration.presets["small-8g"]!
        try m.set("hw.preset", "cachegrind")
        try m.set("hw.D1", "65536,2,64")
        try m.set("LL", "4194304,8,128")
        #expect(m.hardware?.l1d?.geometry == CacheGeometry(sizeBytes: 65536, ways: 2, lineBytes: 64))
        #expect(m.hardware?.l3?.geometry.lineBytes == 128)
        #expect(m.hardware?.minLineBytes == 64)
        #expect(throws: ConfigurationError.self) { try m.set("hw.D1", "32768,3,64") }
        #expect(throws: ConfigurationError.self) { try m.set("hw.I1", "32768,8") }
        #expect(throws: ConfigurationError.self) { try m.set("hw.L2.latency", "3") }
        try m.set("hw.preset", "seed-x86info")
        try m.set("hw.dram", "ddr5-4800")
        try m.set("hw.LL.replacement", "tree-plru")
        #expect(m.hardware?.dram?.name == "DDR5-4800")
        // The configuration round-trips through JSON, and old machine JSON without it still decodes.
        let data = m.json().data(using: .utf8)!
        let back = try JSONDecoder().decode(MachineConfiguration.self, from: data)
        #expect(back.hardware == m.hardware)
        let old = #"{"name":"x","memoryBytes":8589934592,"kernelReservedBytes":0,"snapshotInterval":10,"readAroundPages":32,"faultAroundBytes":65536}"#
        #expect(try JSONDecoder().decode(MachineConfiguration.self, from: old.data(using: .utf8)!).hardware == nil)
    }

    @Test func hostCachesComeFromSysfs() throws {
        let h = try HardwareConfiguration.host()
        #expect(h.l1d != nil)
        try h.validate()
    }
}

import Foundation
