import Testing
import MemTrace
@testable import MemModel

/// Seed 001's fragmentation story on a small machine: two processes fill memory with interleaved
/// movable pages while a third keeps creating page tables and VMAs (unmovable); one of the two
/// exits, leaving single free pages everywhere; compaction then rebuilds large blocks wherever
/// only movable pages were in the way, and cannot where unmovable pages pin a pageblock.
@Suite struct PhysicalFragmentationTests {
    @Test func fragmentationThenCompaction() {
        var k = makeKernel(memory: 64 << 20)
        let b = ProcessID(101), c = ProcessID(102)
        for p in [b, c] { _ = k.process(ProcessEvent(op: .spawn), pid: p, tid: ThreadID(p.rawValue), image: "/bin/t") }
        let zone = k.frames.zones.firstIndex { $0.type == .dma32 }!
        let size: UInt64 = 48 << 20
        let a1 = k.mapAnon(size), b1 = k.mapAnon(size, p: b)
        var page: UInt64 = 0
        var cBase: UInt64 = 0x1000_0000
        let initialHigh = (9...10).reduce(UInt64(0)) { $0 + k.frames.zones[zone].nrFree[$1] }
        // Fill until the zone is down to its low watermark (later faults would go to DMA).
        while k.frames.zones[zone].freePages > k.frames.zones[zone].lowMark + 64 && page < size >> 12 {
            _ = k.store(a1 + page << 12)
            _ = k.store(b1 + page << 12, b)
            if page % 4 == 0 {
                _ = k.mapAnon(4096, at: cBase, p: c)
                _ = k.store(cBase, c)
                cBase += 2 << 20
            }
            page += 1
        }
        // The kernel side keeps growing (page tables, VMAs) into the last free blocks, down to min.
        while k.frames.zones[zone].freePages > k.frames.zones[zone].minMark + 16 {
            _ = k.mapAnon(4096, at: cBase, p: c)
            _ = k.store(cBase, c)
            cBase += 2 << 20
        }
        let drainedHigh = (9...10).reduce(UInt64(0)) { $0 + k.frames.zones[zone].nrFree[$1] }
        #expect(initialHigh > 4 && drainedHigh == 0, "high orders drain: \(initialHigh) → \(drainedHigh)")
        #expect(k.invariantViolations().isEmpty)

        _ = k.process(ProcessEvent(op: .exit), pid: b, tid: ThreadID(b.rawValue), image: "")
        k.frames.drainAllPCP()
        // Freed memory is almost all single pages: the fragmentation index of the high orders is
        // near 1.000 (failure from fragmentation, not lack of memory), and nearly all free memory
        // is unusable for order 3.
        let frag9 = k.frames.fragmentationIndex(zone: zone, order: 9)
        let frag10 = k.frames.fragmentationIndex(zone: zone, order: 10)
        #expect(frag9 >= 950 && frag10 >= 950, "extfrag(9) = \(frag9), extfrag(10) = \(frag10)")
        let unusable3 = k.frames.unusableFreeIndex(zone: zone, order: 3)
        #expect(unusable3 >= 850, "unusable(3) = \(unusable3)")

        let rssBefore = k.processes[pid]!.rssAnon
        k.control(ControlEvent(op: .sysctl, value: 1), key: "vm.compact_memory", name: "")
        #expect(k.frames.stats.pgmigrateSuccess > 0)
        let restored = k.frames.zones[zone].nrFree[9] + k.frames.zones[zone].nrFree[10]
        #expect(restored > 0)
        #expect(k.frames.fragmentationIndex(zone: zone, order: 9) == -1000)
        // Pageblocks holding unmovable pages (page tables, slab) stay pinned: none of them is free whole,
        // and some of them still hold free pages that compaction could not turn into a large block.
        var pinnedWithFree = 0, pinned = 0
        let l = k.frames.zones[zone].layout
        var pfn = (l.startPFN + 511) & ~511
        while pfn + 512 <= l.startPFN + l.present {
            var unmovable = false, free = 0
            for q in pfn..<(pfn + 512) {
                let u = k.frames.useOf(PageFrameNumber(q))
                if u == .slab || u == .pageTable { unmovable = true }
                if u == .free { free += 1 }
            }
            if unmovable { pinned += 1; if free > 0 { pinnedWithFree += 1 } }
            pfn += 512
        }
        #expect(pinned > 2)
        #expect(pinnedWithFree > 0)
        // The survivor's pages moved under it: same RSS, every PTE repointed, mapcounts consistent.
        #expect(k.processes[pid]!.rssAnon == rssBefore)
        #expect(k.invariantViolations().isEmpty)
        #expect(k.store(a1).fault == .none)
    }
}
