import Testing
import MemTrace
@testable import MemModel

/// The TLB arithmetic of seed 001's x86info output, on the `seed-x86info` preset.
@Suite struct HardwareTLBTests {
    /// Loads cycling over `pages` distinct pages of `pageBytes` bytes (one load per page, rounds
    /// times); returns the TLB outcome of every load after the first round.
    func cycle(pages: Int, pageBytes: UInt64, rounds: Int, size: PageSize = .size4K, walk given: PageWalk? = nil) -> [TLBOutcome] {
        var hw = MemoryHierarchy(.seedX86info)
        var walk = given ?? PageWalk([PageFrameNumber(10), PageFrameNumber(11), PageFrameNumber(12), PageFrameNumber(13)])
        walk.pageSize = size
        var out: [TLBOutcome] = []
        let base: UInt64 = 0x7f00_0000_0000
        for r in 0..<rounds {
            for i in 0..<pages {
                let va = base + UInt64(i) * pageBytes
                let a = MemoryAccess(kind: .load, address: VirtualAddress(va), size: 8)
                let o = hw.access(a, asid: 1, frame: PageFrameNumber(0x10000 + (va >> 12)), walk: walk)
                if r > 0 { out.append(o.tlb) }
            }
        }
        #expect(hw.invariantViolations().isEmpty)
        return out
    }

    @Test func sixtyFourPagesHitTheL1DTLBAfterWarmUp() {
        let o = cycle(pages: 64, pageBytes: 4096, rounds: 4)
        #expect(o.count == 64 * 3)
        #expect(o.allSatisfy { $0 == .l1Hit })
    }

    @Test func sixtyFivePagesMissTheL1DTLBEveryTimeUnderLRU() {
        let o = cycle(pages: 65, pageBytes: 4096, rounds: 4)
        #expect(o.allSatisfy { $0 == .l2Hit }, "every load misses L1 (LRU evicts the page needed next) and hits the STLB")
    }

    @Test func theSTLBCovers8MiBOf4KPages() {
        // 2048 pages = 8 MiB: 256 sets × 8 ways, consecutive pages spread evenly, all fit.
        let covered = cycle(pages: 2048, pageBytes: 4096, rounds: 3)
        #expect(covered.allSatisfy { $0 == .l2Hit })
        // One more page per set (2304 pages = 9 MiB): every set cycles 9 pages through 8 ways.
        let beyond = cycle(pages: 2304, pageBytes: 4096, rounds: 3)
        #expect(beyond.allSatisfy { $0 == .walk })
    }

    @Test func theSameWorkingSetsOn2MiBPagesHit() {
        // 65 × 4 KiB and 9 MiB of loads, one per 4 KiB, on 2 MiB pages: 1 and 5 translations.
        let small = cycle(pages: 65, pageBytes: 4096, rounds: 3, size: .size2M)
        #expect(small.allSatisfy { $0 == .l1Hit })
        let big = cycle(pages: 2304, pageBytes: 4096, rounds: 2, size: .size2M)
        #expect(big.allSatisfy { $0 == .l1Hit })
        // 65 distinct 2 MiB pages overflow the 64-entry L1 2M array but stay in the 2048-entry STLB.
        let many = cycle(pages: 65, pageBytes: 2 << 20, rounds: 3, size: .size2M)
        #expect(many.allSatisfy { $0 == .l2Hit })
    }

    @Test func aWalkReadsFourEntriesAndThePagingStructureCachesShortenTheNext() {
        var hw = MemoryHierarchy(.seedX86info)
        let walk = PageWalk([PageFrameNumber(10), PageFrameNumber(11), PageFrameNumber(12), PageFrameNumber(13)])
        let a = MemoryAccess(kind: .load, address: VirtualAddress(0x7f00_0000_0000), size: 8)
        let first = hw.access(a, asid: 1, frame: PageFrameNumber(500), walk: walk)
        #expect(first.tlb == .walk && first.walkReferences == 4)
        #expect(first.walkLevel(0) == .memory)
        let b = MemoryAccess(kind: .load, address: VirtualAddress(0x7f00_0000_1000), size: 8)
        let second = hw.access(b, asid: 1, frame: PageFrameNumber(501), walk: walk)
        #expect(second.tlb == .walk && second.walkReferences == 1, "the PDE cache leaves only the PTE to read")
        #expect(second.walkLevel(0) == .l1, "the PTE line was brought into L1d by the first walk")
    }

    @Test func invalidationAndContextSwitchFlush() {
        var config = HardwareConfiguration.seedX86info
        let walk = PageWalk([PageFrameNumber(10), PageFrameNumber(11), PageFrameNumber(12), PageFrameNumber(13)])
        let a = MemoryAccess(kind: .load, address: VirtualAddress(0x1000_0000), size: 8)
        var hw = MemoryHierarchy(config)
        _ = hw.access(a, asid: 1, frame: PageFrameNumber(7), walk: walk)
        #expect(!hw.needsWalk(a, asid: 1))
        hw.invalidate(asid: 1, firstVPN: 0x1000_0000 >> 12, endVPN: (0x1000_0000 >> 12) + 1)
        #expect(hw.needsWalk(a, asid: 1))
        // With PCID, another address space does not flush ours; without, it does.
        _ = hw.access(a, asid: 1, frame: PageFrameNumber(7), walk: walk)
        _ = hw.access(a, asid: 2, frame: PageFrameNumber(8), walk: walk)
        #expect(hw.access(a, asid: 1, frame: PageFrameNumber(7), walk: walk).tlb == .l1Hit)
        config.tlb!.pcid = false
        hw = MemoryHierarchy(config)
        _ = hw.access(a, asid: 1, frame: PageFrameNumber(7), walk: walk)
        _ = hw.access(a, asid: 2, frame: PageFrameNumber(8), walk: walk)
        #expect(hw.access(a, asid: 1, frame: PageFrameNumber(7), walk: walk).tlb == .walk)
    }

    /// A 2 MiB THP walk as the kernel model hands it: PGD, PUD and PMD page, `pageSize = .size2M`.
    func thpWalk() -> PageWalk {
        PageWalk([PageFrameNumber(10), PageFrameNumber(11), PageFrameNumber(12)], pageSize: .size2M)
    }

    @Test func a2MiBWalkReadsThreeEntriesEndingInThePMDPage() {
        var hw = MemoryHierarchy(.seedX86info)
        let va: UInt64 = 0x7f00_0020_0000 + 0x1234
        let a = MemoryAccess(kind: .load, address: VirtualAddress(va), size: 8)
        let o = hw.access(a, asid: 1, frame: PageFrameNumber(0x4_0000 + ((va >> 12) & 511)), walk: thpWalk())
        #expect(o.tlb == .walk && o.walkReferences == 3, "PML4E, PDPTE and the leaf PDE: no PTE level")
        // The leaf entry was read from the PMD page at index (va >> 21) & 511.
        let pde = (UInt64(12) << 12 | ((va >> 21) & 511) << 3) >> 6
        #expect(hw.tags(1).contains(pde))
        // The translation went into the 2M arrays only (L1 dTLB and STLB, PageSize.size2M).
        let mmu = hw.mmu!
        #expect(mmu.arena.arrays[MMU.l1dBase + 1].occupancy == 1 && mmu.arena.arrays[MMU.l1dBase].occupancy == 0)
        #expect(mmu.arena.arrays[MMU.l2Base + 1].occupancy == 1 && mmu.arena.arrays[MMU.l2Base].occupancy == 0)
        // Any other 4 KiB page of the same 2 MiB page now hits the L1 dTLB without a walk.
        let b = MemoryAccess(kind: .load, address: VirtualAddress(0x7f00_0020_0000 + 0x1F_F000), size: 8)
        #expect(!hw.needsWalk(b, asid: 1))
        #expect(hw.access(b, asid: 1, frame: PageFrameNumber(0x4_01FF), walk: .unknown).tlb == .l1Hit)
        #expect(hw.invariantViolations().isEmpty)
    }

    @Test func sixtyFourTHPPagesHitThe64Entry2MiBL1DTLBAfterWarmUp() {
        // Seed 001's x86info: "L1 Data TLB (2M/4M): Fully associative. 64 entries" (4K pages would
        // need 64 × 512 4K entries for the same 128 MiB).
        let o = cycle(pages: 64, pageBytes: 2 << 20, rounds: 4, size: .size2M, walk: thpWalk())
        #expect(o.count == 64 * 3)
        #expect(o.allSatisfy { $0 == .l1Hit })
        // 65 THP pages overflow the 2M L1 dTLB: under LRU every load falls to the STLB's 2M array.
        let many = cycle(pages: 65, pageBytes: 2 << 20, rounds: 3, size: .size2M, walk: thpWalk())
        #expect(many.allSatisfy { $0 == .l2Hit })
    }
}
