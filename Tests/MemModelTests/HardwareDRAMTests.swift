import Testing
@testable import MemModel

@Suite struct HardwareDRAMTests {
    /// DDR4-3200 without refresh, so isolated requests see only the command timings.
    var ddr4: DRAMConfiguration {
        var c = DRAMConfiguration.ddr4_3200
        c.timings.tREFI = 0
        return c
    }

    @Test func aSequentialStreamUnderOpenPageGetsRowHits() {
        var d = DRAMModel(ddr4)
        var now = 0.0
        for line in 0..<UInt64(100_000) {
            let r = d.read(line * 64, at: now)
            now += r.latencyNs
        }
        let rate = Double(d.rowHits) / 100_000
        #expect(rate >= 0.9, "row-hit rate \(rate)")
        #expect(d.invariantViolations().isEmpty)
    }

    @Test func aRandomStreamMostlyConflicts() {
        var d = DRAMModel(ddr4)
        var rng = TestRNG(3)
        var now = 0.0
        for _ in 0..<50_000 {
            now += d.read(rng.below(16 << 30) & ~63, at: now).latencyNs
        }
        #expect(Double(d.rowConflicts) / 50_000 > 0.9)
        #expect(Double(d.rowHits) / 50_000 < 0.05)
    }

    @Test func eachOutcomeCostsTheSumOfItsTimings() {
        let c = ddr4, t = c.timings, tCK = t.tCKns
        var d = DRAMModel(c)
        let rowBytes: UInt64 = 1 << 18                      // row bits start at address bit 18
        let miss = d.read(0, at: 1000)
        #expect(miss.outcome == .rowMiss)
        #expect(abs(miss.latencyNs - Double(t.tRCD + t.tCL + t.tBurst) * tCK) < 1e-9)
        let hit = d.read(64, at: 2000)
        #expect(hit.outcome == .rowHit)
        #expect(abs(hit.latencyNs - Double(t.tCL + t.tBurst) * tCK) < 1e-9)
        // Same bank, another row: row 16 leaves the XOR-hashed bank bits (address bits 18–21) as row 0 has them.
        let conflict = d.read(4 * rowBytes * 4, at: 3000)
        #expect(d.mapping.locate(4 * rowBytes * 4).bank == d.mapping.locate(0).bank)
        #expect(d.mapping.locate(4 * rowBytes * 4).bankGroup == d.mapping.locate(0).bankGroup)
        #expect(conflict.outcome == .rowConflict)
        #expect(abs(conflict.latencyNs - Double(t.tRP + t.tRCD + t.tCL + t.tBurst) * tCK) < 1e-9)
        // DDR4-3200 CL22: a row hit is (22 + 4) · 0.625 ns = 16.25 ns.
        #expect(abs(hit.latencyNs - 16.25) < 1e-9)
    }

    @Test func closedPageActivatesEveryTimeAndRefreshClosesRows() {
        var closed = ddr4
        closed.policy = .closed
        var d = DRAMModel(closed)
        _ = d.read(0, at: 0)
        #expect(d.read(64, at: 1000).outcome == .rowMiss)
        var refreshing = DRAMConfiguration.ddr4_3200
        refreshing.timings.tREFI = 1000
        var r = DRAMModel(refreshing)
        _ = r.read(0, at: 0)
        #expect(r.read(64, at: 100).outcome == .rowHit)
        let afterRefresh = r.read(128, at: 1000 * refreshing.timings.tCKns + 1)
        #expect(afterRefresh.outcome == .rowMiss, "REFRESH closed the row")
        #expect(afterRefresh.latencyNs > Double(refreshing.timings.tRCD + refreshing.timings.tCL) * refreshing.timings.tCKns,
                "the request waited for tRFC")
    }

    @Test func theMappingPutsConsecutiveLinesWhereTheConfigurationSays() {
        let m = DRAMAddressMapping(ddr4)
        // column (7 bits above the 64-byte line), then channel, bank group, bank, row.
        for line in 0..<UInt64(128) {
            let l = m.locate(line * 64)
            #expect(l.column == Int(line) && l.channel == 0 && l.row == 0 && l.bank == 0 && l.bankGroup == 0)
        }
        #expect(m.locate(128 * 64).channel == 1 && m.locate(128 * 64).column == 0)
        #expect(m.locate(256 * 64).bankGroup == 1 && m.locate(256 * 64).channel == 0)
        #expect(m.locate(1 << 16).bank == 1)
        #expect(m.locate(1 << 18).row == 1)
        #expect(m.locate(1 << 18).bank == 1, "bank bit 0 is XORed with address bit 18 (row bit 0)")
        // A permuted mapping: channel lowest, so consecutive lines alternate channels.
        var perm = ddr4
        perm.mapping = [.channel, .column, .bankGroup, .bank, .rank, .dimm, .row]
        perm.xor = []
        let p = DRAMAddressMapping(perm)
        #expect(p.locate(0).channel == 0 && p.locate(64).channel == 1 && p.locate(128).column == 1)
    }

    @Test func numaDistanceScalesRemoteMemory() {
        var config = HardwareConfiguration(name: "t", l1d: CacheConfiguration(geometry: CacheGeometry(sizeBytes: 1024, ways: 2, lineBytes: 64), latencyCycles: 4))
        config.numa = .seed8Node
        config.memoryLatencyCycles = 100
        var hw = MemoryHierarchy(config)
        let local = hw.access(MemoryAccess(kind: .load, address: VirtualAddress(0), size: 8), asid: 1, frame: PageFrameNumber(0x100), walk: .unknown)
        let node4 = PageFrameNumber((4 * (64 << 30)) >> 12)
        let remote = hw.access(MemoryAccess(kind: .load, address: VirtualAddress(0), size: 8), asid: 1, frame: node4, walk: .unknown)
        #expect(!local.remote && local.latency == 104)
        #expect(remote.remote && remote.numaNode == 4 && remote.latency == 4 + 280, "distance 28 from node 0 to node 4")
    }
}

import MemTrace
