import Testing
import MemTrace
@testable import MemModel

/// `access(_:asid:frame:walkIfNeeded:)`, the engine's one-lookup form of `needsWalk` + `access`,
/// and the DRAM address decoder it reaches, against their definitions.
@Suite struct HardwareLazyWalkTests {
    /// A pseudo-random stream over a few hundred pages of two address spaces (loads, stores,
    /// fetches, straddling lines, 4 KiB and 2 MiB walks), with TLB invalidations between.
    func replayBoth(_ config: HardwareConfiguration, accesses: Int) {
        var eager = MemoryHierarchy(config), lazy = MemoryHierarchy(config)
        var rng = TestRNG(11)
        let kinds: [AccessKind] = [.load, .store, .modify, .instruction]
        var walksAsked = 0, walksGiven = 0
        for i in 0..<accesses {
            let page = rng.below(600)
            let va = 0x7f00_0000_0000 + page << 12 + rng.below(4096)
            let a = MemoryAccess(kind: kinds[Int(rng.below(4))], address: VirtualAddress(va), size: UInt32(1 << rng.below(4)))
            let asid = UInt32(1 + rng.below(2))
            let frame = PageFrameNumber(0x20000 + page * 7)
            var walk = PageWalk([PageFrameNumber(10), PageFrameNumber(11), PageFrameNumber(12 + page % 3), PageFrameNumber(20 + page)])
            if page % 5 == 0 { walk = PageWalk([PageFrameNumber(10), PageFrameNumber(11), PageFrameNumber(12)], pageSize: .size2M) }
            let needed = eager.needsWalk(a, asid: asid)
            if needed { walksAsked += 1 }
            let expected = eager.access(a, asid: asid, frame: frame, walk: needed ? walk : .unknown)
            var called = false
            let got = lazy.access(a, asid: asid, frame: frame, walkIfNeeded: { called = true; walksGiven += 1; return walk })
            #expect(got == expected, "access \(i): \(got) != \(expected)")
            #expect(called == needed, "access \(i): walk read \(called), needsWalk said \(needed)")
            if i % 997 == 0 {
                let first = 0x7f00_0000_0000 >> 12 + rng.below(600)
                eager.invalidate(asid: asid, firstVPN: first, endVPN: first + 4)
                lazy.invalidate(asid: asid, firstVPN: first, endVPN: first + 4)
            }
        }
        #expect(walksAsked > 100 && walksAsked == walksGiven)
        #expect(lazy.counters == eager.counters)
        #expect(lazy.nowNs == eager.nowNs)
        #expect(lazy.metrics().map(\.value) == eager.metrics().map(\.value))
        #expect(lazy.invariantViolations().isEmpty)
    }

    @Test func theLazyWalkGivesTheSameOutcomesAndReadsTheTablesOnlyOnAMiss() {
        replayBoth(.seedX86info, accesses: 20_000)
    }

    @Test func theSameWithoutPCID() {
        var c = HardwareConfiguration.seedX86info
        c.tlb!.pcid = false
        replayBoth(c, accesses: 20_000)
    }

    @Test func theCachegrindPresetNeverWalks() {
        var hw = MemoryHierarchy(.cachegrind)
        var called = false
        let a = MemoryAccess(kind: .load, address: VirtualAddress(0x1234), size: 8)
        _ = hw.access(a, asid: 1, frame: PageFrameNumber(0), walkIfNeeded: { called = true; return .unknown })
        #expect(!called && hw.counters.Dr == 1)
    }

    /// The decoder's fields by their definition: each field takes log2(count) bits in the
    /// configured order above the line offset, then each XOR term flips one bit by the parity of
    /// its address bits.
    @Test func theAddressDecoderFollowsItsDefinition() {
        var rng = TestRNG(5)
        for c in [DRAMConfiguration.ddr4_3200, DRAMConfiguration.ddr5_4800] {
            let m = DRAMAddressMapping(c)
            for _ in 0..<5_000 {
                let pa = rng.below(1 << 40)
                var fields: [DRAMField: Int] = [:]
                var bit = UInt64(c.lineBytes.trailingZeroBitCount)
                for f in c.mapping {
                    let bits = UInt64(c.count(of: f).trailingZeroBitCount)
                    fields[f] = Int((pa >> bit) & ((1 << bits) - 1))
                    bit += bits
                }
                for x in c.xor where c.count(of: x.field) > 1 {
                    let parity = x.addressBits.reduce(0) { $0 ^ Int((pa >> UInt64($1)) & 1) }
                    fields[x.field] = (fields[x.field]! ^ (parity << x.bit)) & (c.count(of: x.field) - 1)
                }
                let l = m.locate(pa)
                #expect(l == DRAMLocation(channel: fields[.channel] ?? 0, dimm: fields[.dimm] ?? 0, rank: fields[.rank] ?? 0,
                                          bankGroup: fields[.bankGroup] ?? 0, bank: fields[.bank] ?? 0, row: fields[.row] ?? 0,
                                          column: fields[.column] ?? 0), "pa \(pa)")
            }
        }
    }
}
