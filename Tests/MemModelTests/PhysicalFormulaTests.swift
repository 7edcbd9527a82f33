import Testing
@testable import MemModel

/// Hand-checked numbers for the physical layer's formulas (linux-mm-spec §1, §2, §4, §13).
@Suite struct PhysicalFormulaTests {
    /// The zones of a 24 GiB VM with THP madvise (numbers read from its /proc/zoneinfo).
    static let vmZones = NodeLayout(zones: [
        ZoneLayout(type: .dma, startPFN: 1, spanned: 4095, present: 3998, managed: 3840),
        ZoneLayout(type: .dma32, startPFN: 4096, spanned: 1_044_480, present: 782_336, managed: 772_917),
        ZoneLayout(type: .normal, startPFN: 1_048_576, spanned: 5_505_024, present: 5_505_024, managed: 491_520),
        ZoneLayout(type: .movable, startPFN: 0, spanned: 0, present: 0, managed: 0),
        ZoneLayout(type: .device, startPFN: 0, spanned: 0, present: 0, managed: 0),
    ])

    @Test func fragmentationIndexMatchesTheSpecExample() {
        var nrFree = Array(repeating: UInt64(0), count: 11)
        nrFree[0] = 1000
        #expect(ContiguousPageInfo(nrFree: nrFree, order: 9).fragmentationIndex(order: 9) == 998)
        #expect(ContiguousPageInfo(nrFree: nrFree, order: 3).fragmentationIndex(order: 3) == 874)   // 1000 − (1000 + 125000)/1000
        #expect(ContiguousPageInfo(nrFree: nrFree, order: 0).fragmentationIndex(order: 0) == -1000)
        nrFree[9] = 1
        #expect(ContiguousPageInfo(nrFree: nrFree, order: 9).fragmentationIndex(order: 9) == -1000)
        #expect(ContiguousPageInfo(nrFree: Array(repeating: 0, count: 11), order: 9).fragmentationIndex(order: 9) == 0)
        // unusable free index: 1512 free pages, one order-9 block usable for order 9.
        #expect(ContiguousPageInfo(nrFree: nrFree, order: 9).unusableFreeIndex(order: 9) == (1512 - 512) * 1000 / 1512)
        #expect(ContiguousPageInfo.format(-1000) == "-1.000")
        #expect(ContiguousPageInfo.format(998) == "0.998")
    }

    @Test func slubOrdersForTwoCPUs() {
        func oo(_ size: Int, cpus: Int = 2) -> (Int, Int) {
            let o = KmemCache.calculateOrder(size: size, cpus: cpus)
            return (o, KmemCache.orderObjects(o, size))
        }
        #expect(oo(1024) == (2, 16))     // kmalloc-1k
        #expect(oo(624) == (1, 13))      // inode_cache
        #expect(oo(5888) == (3, 5))      // task_struct
        #expect(oo(192) == (0, 21))      // kmalloc-192
    }

    /// The seed's TCP cache (objsize 1984, 16 objects, 8 pages per slab): min_objects =
    /// 4·(fls(cpus)+1) must reach 9, which 2 CPUs already give (12); the seed's 96-core machine
    /// gives 32, capped at the 16 objects of an order-3 slab. One CPU gives 8 → order 2, 8 objects.
    @Test func seedTCPCacheNeedsTwoOrMoreCPUs() {
        let smallest = (1...256).first { KmemCache.calculateOrder(size: 1984, cpus: $0) == 3 }
        #expect(smallest == 2)
        for cpus in [2, 4, 96] {
            #expect(KmemCache.calculateOrder(size: 1984, cpus: cpus) == 3)
            #expect(KmemCache.orderObjects(3, 1984) == 16)
        }
        #expect(KmemCache.calculateOrder(size: 1984, cpus: 1) == 2)
        #expect(KmemCache.orderObjects(2, 1984) == 8)
    }

    @Test func kmallocClassesFollowKmallocIndex() {
        let s = SlabAllocator(cpus: 2)
        func name(_ n: Int) -> String? { s.kmallocCache(for: n).map { s.caches[$0].name } }
        #expect(name(1) == "kmalloc-8")
        #expect(name(65) == "kmalloc-96")
        #expect(name(97) == "kmalloc-128")
        #expect(name(129) == "kmalloc-192")
        #expect(name(193) == "kmalloc-256")
        #expect(name(1000) == "kmalloc-1k")
        #expect(name(8192) == "kmalloc-8k")
        #expect(name(8193) == nil)
    }

    @Test func linux61WatermarksOfTheVM() {
        var c = PhysicalConfiguration()
        c.nodes = [PhysicalFormulaTests.vmZones]
        let m = PhysicalMemory(configuration: c, memoryBytes: 0, kernelReservedBytes: 0)
        #expect(m.computedMinFreeKbytes == 67584)      // THP: 512·3·(2+9) pages
        #expect(m.minFreeKbytes == 67584)
        let z = m.zones
        #expect([z[0].minMark, z[0].lowMark, z[0].highMark] == [51, 63, 75])
        #expect([z[1].minMark, z[1].lowMark, z[1].highMark] == [10296, 12870, 15444])
        #expect([z[2].minMark, z[2].lowMark, z[2].highMark] == [6548, 8185, 9822])
        #expect(z[0].lowmemReserve == [0, 3019, 4939, 4939, 4939])
        #expect(z[1].lowmemReserve == [0, 0, 1920, 1920, 1920])
        #expect(z[2].lowmemReserve == [0, 0, 0, 0, 0])
        #expect([z[3].minMark, z[3].lowMark, z[3].highMark] == [32, 32, 32])   // Movable: clamp(managed/1024, 32, 128)
        #expect((z[1].pcpBatch, z[1].pcpHigh) == (63, 6435))
        #expect((z[2].pcpBatch, z[2].pcpHigh) == (63, 4092))
        #expect((z[0].pcpBatch, z[0].pcpHigh) == (1, 31))
        // Without THP, the sqrt rule: int_sqrt(Σ managed · 4 · 16).
        c.thp = "never"
        let n = PhysicalMemory(configuration: c, memoryBytes: 0, kernelReservedBytes: 0)
        #expect(n.computedMinFreeKbytes == PhysicalMemory.intSqrt(1_268_277 * 4 * 16))
        #expect(n.computedMinFreeKbytes == 9009)
    }

    @Test func legacyWatermarkRuleOfTheSeed() {
        // Seed 001: min 20 / low 25 / high 30; 2335 / 2918 / 3502; 61463 / 76828 / 92194.
        let r = LegacyRules()
        #expect(r.lowHigh(min: 20, share: 20, managed: 3975, scaleFactor: 10) == (25, 30))
        #expect(r.lowHigh(min: 2335, share: 2335, managed: 450_639, scaleFactor: 10) == (2918, 3502))
        #expect(r.lowHigh(min: 61463, share: 61463, managed: 11_859_912, scaleFactor: 10) == (76828, 92194))
        var c = PhysicalConfiguration()
        c.nodes = [PhysicalFormulaTests.vmZones]
        c.minFreeKbytes = 67584
        c.watermarkScaleFactor = 100       // 6.1: the gap becomes managed/100 where that exceeds min/4
        let new = PhysicalMemory(configuration: c, memoryBytes: 0, kernelReservedBytes: 0)
        let expected: [UInt64] = [10296, 18025, 25754]
        #expect([new.zones[1].minMark, new.zones[1].lowMark, new.zones[1].highMark] == expected)
        c.kernelVersion = KernelVersion("3.10")!
        let old = PhysicalMemory(configuration: c, memoryBytes: 0, kernelReservedBytes: 0)
        #expect([old.zones[1].minMark, old.zones[1].lowMark, old.zones[1].highMark] == [10296, 12870, 15444])
        #expect([old.zones[2].minMark, old.zones[2].lowMark, old.zones[2].highMark] == [6548, 8185, 9822])
        #expect(old.rules.minFreeKbytesCap == 65536)
    }

    @Test func derivedLayoutKeepsMemTotal() {
        let sizes: [(UInt64, UInt64)] = [(64 << 20, 1 << 20), (256 << 20, 16 << 20), (5 << 30, 100 << 20)]
        for (mem, reserved) in sizes {
            let machine = MachineConfiguration(name: "t", memoryBytes: mem, kernelReservedBytes: reserved)
            let m = PhysicalMemory(configuration: PhysicalConfiguration(), memoryBytes: mem, kernelReservedBytes: reserved)
            #expect(m.totalPages == machine.totalPages)
            #expect(m.freePages == m.totalPages)
            #expect(m.invariantViolations().isEmpty)
        }
        let big = PhysicalConfiguration().layout(memoryBytes: 8 << 30, kernelReservedBytes: 160 << 20)
        #expect(big[0].zones[1].spanned == 1_044_480 && big[0].zones[1].present == 782_336)
        #expect(big[0].zones[2].startPFN == 1_048_576 && big[0].zones[2].present == (8 << 18) - 786_432)
    }
}
