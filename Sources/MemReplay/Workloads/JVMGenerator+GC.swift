import MemTrace

/// G1's collections: young and mixed evacuation pauses (reading the live part of the collection
/// set, writing survivors at the high end and promotions at the low end), concurrent marking,
/// full compaction, and heap resizing with uncommit. Flag defaults of JDK 17: SurvivorRatio 8,
/// TargetSurvivorRatio 50, MaxTenuringThreshold 15, G1NewSizePercent 5, G1MaxNewSizePercent 60,
/// G1ReservePercent 10, InitiatingHeapOccupancyPercent 45, G1MixedGCCountTarget 8,
/// G1MixedGCLiveThresholdPercent 85, G1HeapWastePercent 5, Min/MaxHeapFreeRatio 40/70.
extension JVMGenerator {
    var survivalFraction: Double { o.survival / 100 }
    var agingFraction: Double { o.aging / 100 }

    /// Collects: a young (or mixed) pause when the survivors fit in free regions — expanding
    /// the heap first when they would not — else a full collection.
    mutating func collect(full: Bool = false) throws {
        if failed { return }
        lastGCTime = time
        if !full {
            var estimate = UInt64(Double(ages.reduce(0, +)) * agingFraction)
            for r in 0..<heap.regionCount where heap.kind[r] == .eden {
                estimate += heap.live[r] + UInt64(Double(allocRegionTransient[r]) * survivalFraction)
            }
            let need = Int((estimate + e.regionSize - 1) / e.regionSize) + 2
            if heap.number(.free) < need && heap.committed < heap.regionCount {
                try expandHeap(regions: min(heap.regionCount - heap.committed, need - heap.number(.free)))
            }
            if heap.number(.free) >= need { try youngCollection(); return }
        }
        try fullCollection()
    }

    /// Loads of the live part of region `r` (`fraction` of its used pages, spread evenly) by a
    /// GC worker.
    mutating func readLive(_ r: Int, fraction: Double, worker: Int) throws {
        let pages = (heap.used[r] + Page.size - 1) / Page.size
        guard pages > 0, fraction > 0 else { return }
        let n = max(1, min(pages, UInt64((Double(pages) * fraction).rounded(.up))))
        let stride = pages / n * Page.size
        let from = heap.address(r)
        try touch(threads[gcWorkers[worker % gcWorkers.count]].tid, .touchLoad, from, from + n * stride, stride: stride)
    }

    /// Copies `bytes` into survivor regions (taken from the high end); false when none is free.
    mutating func writeSurvivors(_ bytes: UInt64) throws -> Bool {
        var left = bytes, w = 0
        var current: Int? = nil
        while left > 0 {
            if current == nil || heap.used[current!] >= e.regionSize {
                guard let r = heap.takeHigh(.survivor) else { return false }
                current = r
            }
            let r = current!
            let n = min(left, e.regionSize - heap.used[r])
            let at = heap.address(r) + heap.used[r]
            heap.used[r] += n; heap.live[r] += n; left -= n
            try touch(threads[gcWorkers[w % gcWorkers.count]].tid, .touchStore, at, at + n)
            w += 1
        }
        return true
    }

    /// Copies `bytes` into old regions (from the low end), the long-lived set into regions of its
    /// own; the block offset table's pages for the written range are updated. False when none is free.
    mutating func writeOld(_ bytes: UInt64, permanent: Bool) throws -> Bool {
        var left = bytes, w = 0
        while left > 0 {
            var current = permanent ? permanentAlloc : oldAlloc
            if current == nil || heap.used[current!] >= e.regionSize || heap.kind[current!] != .old {
                guard let r = heap.takeLow() else { return false }
                heap.permanent[r] = permanent
                current = r
                if permanent { permanentAlloc = r } else { oldAlloc = r }
            }
            let r = current!
            let n = min(left, e.regionSize - heap.used[r])
            let at = heap.address(r) + heap.used[r]
            heap.used[r] += n; heap.live[r] += n; left -= n
            let tid = threads[gcWorkers[w % gcWorkers.count]].tid
            try touch(tid, .touchStore, at, at + n)
            let bot = tables[0] + (at - heap.base) / 512
            try touch(tid, .touchStore, bot, bot + max(1, n / 512))
            w += 1
        }
        return true
    }

    mutating func youngCollection() throws {
        let mixed = mixedLeft > 0
        if mixed { summary.mixedCollections += 1 } else { summary.youngCollections += 1 }
        try phase("GC(\(summary.youngCollections + summary.mixedCollections + summary.fullCollections - 1)) Pause Young (\(mixed ? "Mixed" : "Normal"))")
        let eden = heap.regions(.eden), survivors = heap.regions(.survivor)
        var transient: UInt64 = 0, permanent: UInt64 = 0, edenUsed: UInt64 = 0
        for r in eden { transient += allocRegionTransient[r]; permanent += heap.live[r]; edenUsed += heap.used[r] }
        // Ages: this collection's survivors are age 1, older cohorts age by one and thin out.
        var next = [UInt64](repeating: 0, count: 16)
        next[1] = UInt64(Double(transient) * survivalFraction)
        for a in 1..<15 { next[a + 1] += UInt64(Double(ages[a]) * agingFraction) }
        next[15] += UInt64(Double(ages[15]) * agingFraction)
        // AgeTable::compute_tenuring_threshold: the youngest age at which the cohorts so far
        // exceed half the survivor space (eden / SurvivorRatio) is promoted with all older ones.
        let desired = UInt64(edenTarget) * e.regionSize / 8 / 2
        var threshold = 15, total: UInt64 = 0
        for a in 1...15 { total += next[a]; if total > desired { threshold = a; break } }
        var promoted: UInt64 = 0
        for a in threshold...15 { promoted += next[a]; next[a] = 0 }
        let kept = next.reduce(0, +)
        // A mixed collection also evacuates its share of the marking's candidate old regions.
        var oldSet: [Int] = []
        if mixed {
            let n = (candidates.count + mixedLeft - 1) / mixedLeft
            oldSet = Array(candidates.prefix(n)); candidates.removeFirst(oldSet.count)
            mixedLeft -= 1
            if candidates.isEmpty { mixedLeft = 0 }
        }
        // Read the collection set's live part.
        let edenLive = permanent + next[1] + (threshold == 1 ? UInt64(Double(transient) * survivalFraction) : 0)
        var w = 0
        for r in eden { try readLive(r, fraction: edenUsed > 0 ? Double(edenLive) / Double(edenUsed) : 0, worker: w); w += 1 }
        var survivorUsed: UInt64 = 0
        for r in survivors { survivorUsed += heap.used[r] }
        let survivorLive = kept + promoted - min(kept + promoted, UInt64(Double(transient) * survivalFraction))
        for r in survivors { try readLive(r, fraction: survivorUsed > 0 ? Double(survivorLive) / Double(survivorUsed) : 0, worker: w); w += 1 }
        var oldLive: UInt64 = 0
        for r in oldSet { oldLive += heap.live[r]; try readLive(r, fraction: Double(heap.live[r]) / Double(max(1, heap.used[r])), worker: w); w += 1 }
        // Write survivors high and promotions low before the collection set is freed.
        var ok = try writeSurvivors(kept)
        ok = try ok && writeOld(promoted + oldLive, permanent: false)
        ok = try ok && writeOld(permanent, permanent: true)
        for r in eden + survivors + oldSet { heap.free(r) }
        allocRegion = nil
        ages = next
        // Eager reclaim of dead humongous objects.
        humongous = try humongous.filter { h in
            if rng.below(100) < UInt64(o.survival) { return true }
            for r in h.start..<(h.start + h.count) { heap.free(r) }
            return false
        }
        youngIndex += 1
        updateEdenTarget()
        if !ok { try fullCollection(); return }
        if mixedLeft == 0 && !mixed && UInt64(heap.number(.old) + heap.number(.humongous)) * 100 >= UInt64(heap.committed) * 45 {
            try concurrentCycle(periodic: false)
        }
    }

    /// The young list target (`G1Policy::update_young_length_bounds`): G1NewSizePercent of the
    /// heap at first, then twice that plus two regions (as the log of the first collections shows),
    /// then G1MaxNewSizePercent less the survivors, never into G1ReservePercent.
    mutating func updateEdenTarget() {
        let minYoung = max(1, heap.committed * 5 / 100)
        var eden = youngIndex == 1 ? 2 * minYoung + 2 : heap.committed * 60 / 100 - heap.number(.survivor)
        let reserve = (heap.committed * 10 + 99) / 100
        let occupied = heap.number(.old) + heap.number(.humongous) + heap.number(.survivor)
        eden = min(eden, heap.committed - occupied - reserve)
        edenTarget = max(1, eden)
    }

    /// Concurrent marking (the G1 Conc threads read the old regions' live objects and set their
    /// bits in the mark bitmap), remark (heap resize, empty regions freed), and the choice of
    /// candidates for the mixed collections that follow.
    mutating func concurrentCycle(periodic: Bool) throws {
        summary.concurrentCycles += 1
        try phase(periodic ? "GC Concurrent Mark Cycle (G1 Periodic Collection)" : "GC Concurrent Mark Cycle")
        let bitmap = bitmaps[summary.concurrentCycles % 2]
        let marker = threads[gcWorkers.count + 1].tid       // G1 Conc#0
        for r in 0..<heap.regionCount where heap.kind[r] == .old || heap.kind[r] == .humongous {
            if heap.kind[r] == .old && !heap.permanent[r] { heap.live[r] = UInt64(Double(heap.live[r]) * agingFraction) }
            let from = heap.address(r), live = heap.live[r]
            guard live > 0 else { continue }
            try touch(marker, .touchLoad, from, from + live, stride: max(Page.size, live / 64 & ~(Page.size - 1)))
            let bits = bitmap + (from - heap.base) / 64
            try touch(marker, .touchStore, bits, bits + max(1, live / 64))
        }
        try phase("GC Pause Remark")
        for r in 0..<heap.regionCount where heap.kind[r] == .old && heap.live[r] == 0 {
            heap.free(r)
            if r == oldAlloc { oldAlloc = nil }
        }
        try resize()
        var picked = (0..<heap.regionCount).filter {
            heap.kind[$0] == .old && !heap.permanent[$0] && $0 != oldAlloc && heap.live[$0] * 100 < e.regionSize * 85
        }
        picked.sort { heap.live[$0] < heap.live[$1] }
        let reclaimable = picked.reduce(UInt64(0)) { $0 + heap.used[$1] - heap.live[$1] }
        if reclaimable * 100 > UInt64(heap.committed) * e.regionSize * 5 {
            candidates = picked
            mixedLeft = 8
        }
    }

    /// A full collection (`G1FullCollector`): marks everything reachable, compacts it to the
    /// bottom of the heap, then resizes; when the live objects do not fit the maximum heap it is
    /// an OutOfMemoryError.
    mutating func fullCollection() throws {
        summary.fullCollections += 1
        try phase("GC(\(summary.youngCollections + summary.mixedCollections + summary.fullCollections - 1)) Pause Full (Allocation Failure)")
        var permanent: UInt64 = 0, rest: UInt64 = 0
        var w = 0
        for r in 0..<heap.regionCount {
            switch heap.kind[r] {
            case .eden:
                let live = heap.live[r] + UInt64(Double(allocRegionTransient[r]) * survivalFraction)
                try readLive(r, fraction: Double(live) / Double(max(1, heap.used[r])), worker: w)
                permanent += heap.live[r]; rest += live - heap.live[r]
            case .survivor:
                let live = UInt64(Double(heap.live[r]) * agingFraction)
                try readLive(r, fraction: Double(live) / Double(max(1, heap.used[r])), worker: w)
                rest += live
            case .old:
                let live = heap.permanent[r] ? heap.live[r] : UInt64(Double(heap.live[r]) * agingFraction)
                try readLive(r, fraction: Double(live) / Double(max(1, heap.used[r])), worker: w)
                if heap.permanent[r] { permanent += live } else { rest += live }
            default: continue
            }
            heap.free(r)
            w += 1
        }
        allocRegion = nil; oldAlloc = nil; permanentAlloc = nil
        ages = [UInt64](repeating: 0, count: 16)
        mixedLeft = 0; candidates = []
        let need = Int((permanent + e.regionSize - 1) / e.regionSize + (rest + e.regionSize - 1) / e.regionSize) + 1
        if heap.number(.free) < need && heap.committed < heap.regionCount {
            try expandHeap(regions: min(heap.regionCount - heap.committed, need - heap.number(.free)))
        }
        guard heap.number(.free) >= need else { try outOfMemory(); return }
        _ = try writeOld(permanent, permanent: true)
        _ = try writeOld(rest, permanent: false)
        try resize()
        youngIndex = max(youngIndex, 2)
        updateEdenTarget()
    }

    /// `G1CollectedHeap::resize_heap_if_necessary`: capacity between used/(1 − MinHeapFreeRatio)
    /// and used/(1 − MaxHeapFreeRatio), within MinHeapSize…MaxHeapSize; shrinking uncommits the
    /// highest free regions in steps of at most 128 MiB (`G1UncommitRegionTask`).
    mutating func resize() throws {
        var used: UInt64 = 0
        for r in 0..<heap.regionCount where heap.kind[r] != .free && heap.kind[r] != .uncommitted { used += heap.used[r] }
        let r = e.regionSize
        func regions(_ bytes: UInt64) -> Int { Int((bytes + r - 1) / r) }
        let minHeap = regions(e.minHeap)
        let lower = max(minHeap, regions(used * 10 / 6)), upper = max(minHeap, regions(used * 10 / 3))
        if heap.committed < lower {
            try expandHeap(regions: min(lower, heap.regionCount) - heap.committed)
        } else if heap.committed > upper {
            let step = max(1, Int((128 << 20) / e.regionSize))
            var left = heap.committed - upper
            while left > 0 {
                let ranges = heap.shrink(by: min(step, left))
                if ranges.isEmpty { break }
                for range in ranges {
                    left -= range.count
                    let start = heap.address(range.lowerBound), length = UInt64(range.count) * e.regionSize
                    try uncommit(main, start, length)
                    for b in bitmaps { try uncommit(main, b + (start - heap.base) / 64, length / 64) }
                    try uncommitTables(range)
                    summary.uncommittedBytes += length
                }
            }
        }
    }
}
