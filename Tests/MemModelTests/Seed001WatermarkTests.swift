import Testing
import MemTrace
@testable import MemModel

/// Seed 001 (`001_6d8d416f3192f068.txt`, "碎片化" and "容器中的内存回收") as tests: the zone
/// watermarks of its /proc/zoneinfo (min/low/high from min_free_kbytes, "low = 5/4 * min, high =
/// 3/2 * min" on its pre-4.6 kernel, watermark_scale_factor since), kswapd woken when free pages
/// fall to the low watermark and going back to sleep once they pass the high one, and direct
/// reclaim ("同步回收", in the allocating task) only when an allocation takes free pages below min.
@Suite struct Seed001WatermarkTests {
    /// The article's node 0 (its second zoneinfo): managed pages as printed.
    static let node0 = NodeLayout(zones: [
        ZoneLayout(type: .dma, startPFN: 1, spanned: 4095, present: 3996, managed: 3975),
        ZoneLayout(type: .dma32, startPFN: 4096, spanned: 1_044_480, present: 513_024, managed: 450_639),
        ZoneLayout(type: .normal, startPFN: 1_048_576, spanned: 12_058_624, present: 12_058_624, managed: 11_859_912),
        ZoneLayout(type: .movable, startPFN: 0, spanned: 0, present: 0, managed: 0),
        ZoneLayout(type: .device, startPFN: 0, spanned: 0, present: 0, managed: 0),
    ])

    /// The article prints node 0 only (its machine has a node 1 whose size it does not show), so
    /// the machine here is node 0 alone with node 0's share of min_free_kbytes: pages_min =
    /// 63,820 (min_free_kbytes 255,280), the only value for which `__setup_per_zone_wmarks`'s
    /// pages_min · managed / lowmem_pages gives the article's three min values 20, 2335 and
    /// 61463. Low and high then follow from the version's rule with no freedom left.
    @Test func zoneWatermarksOfTheArticlesNode0() {
        var c = PhysicalConfiguration()
        c.nodes = [Seed001WatermarkTests.node0]
        c.minFreeKbytes = 255_280
        c.kernelVersion = KernelVersion("3.10")!
        let old = PhysicalMemory(configuration: c, memoryBytes: 0, kernelReservedBytes: 0)
        let z = old.zones
        #expect([z[0].minMark, z[0].lowMark, z[0].highMark] == [20, 25, 30])
        #expect([z[1].minMark, z[1].lowMark, z[1].highMark] == [2335, 2918, 3502])
        #expect([z[2].minMark, z[2].lowMark, z[2].highMark] == [61463, 76828, 92194])
        // 6.1 (watermark_scale_factor 10): the gap is max(min/4, managed·10/10000); for these
        // zones min/4 is the larger, so low stays and high = min + 2·(min/4) is one page lower
        // where min is not a multiple of 4.
        c.kernelVersion = .default61
        let new = PhysicalMemory(configuration: c, memoryBytes: 0, kernelReservedBytes: 0)
        let n = new.zones
        #expect([n[0].minMark, n[0].lowMark, n[0].highMark] == [20, 25, 30])
        #expect([n[1].minMark, n[1].lowMark, n[1].highMark] == [2335, 2918, 3501])
        #expect([n[2].minMark, n[2].lowMark, n[2].highMark] == [61463, 76828, 92193])
        // watermark_scale_factor 200 (2%): the managed-based gap wins in every zone.
        c.watermarkScaleFactor = 200
        let scaled = PhysicalMemory(configuration: c, memoryBytes: 0, kernelReservedBytes: 0)
        #expect(scaled.zones[2].lowMark == 61463 + 11_859_912 * 200 / 10000)
        #expect(scaled.zones[2].highMark == 61463 + 2 * (11_859_912 * 200 / 10000))
        #expect(scaled.zones[1].lowMark == 2335 + 450_639 * 200 / 10000)
    }

    /// The article's first zoneinfo (a 755 GB machine, min 16864 in a Normal zone of 197,571,780
    /// managed pages): 21080 / 25296 under the old rule; under 6.1 the scale factor's gap
    /// (197,571 pages) is far larger than min/4, which is why `watermark_scale_factor` exists.
    @Test func largeMachineWatermarksOldAndNew() {
        #expect(LegacyRules().lowHigh(min: 16864, share: 16864, managed: 197_571_780, scaleFactor: 10) == (21080, 25296))
        #expect(LegacyRules().lowHigh(min: 30, share: 30, managed: 361_133, scaleFactor: 10) == (37, 45))
        #expect(Linux61Rules().lowHigh(min: 16864, share: 16864, managed: 197_571_780, scaleFactor: 10) == (214_435, 412_006))
    }

    /// The zones an order-0 user page may come from (`GFP_HIGHUSER_MOVABLE`'s zonelist, highest
    /// first), each with its low watermark plus its lowmem_reserve against the request's
    /// highest zone: the level `zone_watermark_fast` compares free pages with in the fast path.
    static func lowLevels(_ k: LinuxKernel) -> [(zone: Int, level: UInt64)] {
        let highest = Int(ZoneType.normal.rawValue)
        return k.frames.zonelists[0].map { z in
            let info = k.frames.zoneInfo[z]
            return (z, info.mark(1) + info.lowmemReserve[highest])
        }
    }

    /// Page-cache pages read one page per read() on a 128 MiB machine: kswapd is woken by
    /// the reads that find every zone of the zonelist at or below its low watermark (plus its
    /// lowmem_reserve: the fast path's `zone_watermark_fast` with ALLOC_WMARK_LOW fails in each,
    /// `wake_all_kswapds`) — DMA32 first, then the DMA zone's pages above its reserve — and after
    /// each run a zone is above its high watermark (`pgdat_balanced`), where kswapd sleeps until
    /// the next read that finds every zone at low again.
    ///
    /// The article's kernel predates watermark boosting (5.0: a fallback that steals a pageblock
    /// raises the watermarks by `watermark_boost_factor` and wakes kswapd from `rmqueue`), so
    /// this machine runs with `vm.watermark_boost_factor=0`.
    @Test func kswapdWakesAtLowAndSleepsAboveHigh() {
        var c = MachineConfiguration(name: "seed001", memoryBytes: 128 << 20, kernelReservedBytes: 1 << 20)
        try! c.set("watermark_boost_factor", "0")
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/test")
        #expect(Seed001WatermarkTests.lowLevels(k).count == 2)   // DMA32, then DMA
        k.openFile(3, size: 256 << 20)
        var wakes = 0
        var off: UInt64 = 0
        while off < 256 << 20 {
            let levels = Seed001WatermarkTests.lowLevels(k)
            let before = levels.map { k.frames.zoneFreePages($0.zone) }
            let allLow = zip(before, levels).allSatisfy { $0 <= $1.level }
            let calls = k.frames.stats.kswapdWakeups, runs = k.reclaim.stats.pageoutrun
            _ = k.file(FileCall(op: .read, file: FileID(3), offset: off, length: 4096, result: 4096), pid: pid, path: "/data/f")
            off += 4096
            let woke = k.frames.stats.kswapdWakeups > calls
            // Every zone at its level before the read: its first allocation fails the fast path.
            if allLow { #expect(woke, "read at \(off): free \(before), low+reserve \(levels.map(\.level))") }
            // Woken: every zone was at its level when one of the read's allocations checked it.
            // The test sees free pages only between reads; within one, sequential readahead
            // allocates up to read_ahead_kb (128 KiB: 32 pages) and a per-CPU list refill
            // (`rmqueue_bulk`) takes `batch` pages from the buddy lists at once.
            if woke {
                for ((z, level), free) in zip(levels, before) {
                    #expect(free <= level + UInt64(k.frames.zoneInfo[z].pcpBatch) + 32, "read at \(off): free \(before), low+reserve \(levels.map(\.level))")
                }
            }
            if woke {
                wakes += 1
                #expect(k.reclaim.stats.pageoutrun == runs + 1)
                let balanced = k.frames.zonelists[0].contains { k.frames.zoneFreePages($0) > k.frames.zoneInfo[$0].mark(2) }
                #expect(balanced, "kswapd stopped at \(levels.map { k.frames.zoneFreePages($0.zone) })")
            } else {
                #expect(k.reclaim.stats.pageoutrun == runs)
            }
        }
        #expect(wakes >= 20)
        #expect(k.reclaim.stats.allocstall.reduce(0, +) == 0)   // one page at a time never reaches min
        #expect(k.stats.oomKill == 0)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// Pages the zonelist has above each zone's min watermark plus lowmem_reserve: what the slow
    /// path (ALLOC_WMARK_MIN) may still hand out before direct reclaim.
    static func aboveMin(_ k: LinuxKernel) -> UInt64 {
        let highest = Int(ZoneType.normal.rawValue)
        return k.frames.zonelists[0].reduce(0) { sum, z in
            let info = k.frames.zoneInfo[z]
            let floor = info.mark(0) + info.lowmemReserve[highest], free = k.frames.zoneFreePages(z)
            return sum + (free > floor ? free - floor : 0)
        }
    }

    /// One read() that needs more pages than lie above the min watermarks goes into direct
    /// reclaim (`allocstall`); one that stays above min does not, however far below low it goes
    /// (kswapd is only woken; the model runs it after the event).
    @Test func directReclaimOnlyBelowMin() {
        var k = makeKernel(memory: 128 << 20)
        k.openFile(3, size: 512 << 20)
        // Fill the cache until kswapd has run once: free pages sit just above high.
        var off: UInt64 = 0
        while k.reclaim.stats.pageoutrun == 0 {
            _ = k.file(FileCall(op: .read, file: FileID(3), offset: off, length: 1 << 20, result: 1 << 20), pid: pid, path: "/data/f")
            off += 1 << 20
        }
        // A read that leaves a margin above min: no direct reclaim.
        let free = Seed001WatermarkTests.aboveMin(k)
        let margin: UInt64 = 128                     // per-CPU batches and page-cache slab
        let safe = free - margin
        let stalls = k.reclaim.stats.allocstall.reduce(0, +)
        _ = k.file(FileCall(op: .read, file: FileID(3), offset: off, length: safe << 12, result: Int64(safe << 12)), pid: pid, path: "/data/f")
        off += safe << 12
        #expect(k.reclaim.stats.allocstall.reduce(0, +) == stalls, "above min \(free), read \(safe) pages")
        #expect(k.reclaim.stats.pageoutrun >= 2)     // kswapd was woken and ran after the read
        // A read of more pages than are free above min: the allocating task reclaims directly.
        let free2 = Seed001WatermarkTests.aboveMin(k)
        let beyond = free2 + margin
        _ = k.file(FileCall(op: .read, file: FileID(3), offset: off, length: beyond << 12, result: Int64(beyond << 12)), pid: pid, path: "/data/f")
        #expect(k.reclaim.stats.allocstall.reduce(0, +) > stalls, "above min \(free2), read \(beyond) pages")
        #expect(k.reclaim.stats.pgstealDirect > 0)
        #expect(k.stats.oomKill == 0)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }
}
