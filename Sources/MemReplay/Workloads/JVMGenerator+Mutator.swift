import MemTrace

/// The application: threads allocating in TLABs carved from the current eden region, large
/// arrays outside TLABs and humongous objects in their own regions, at `--alloc-rate`.
extension JVMGenerator {
    /// TLAB size (`ThreadLocalAllocBuffer::initial_desired_size`): eden capacity over
    /// (threads × TLABTargetRefills 50), 8-byte aligned, at least MinTLABSize 2 KiB, at most a
    /// quarter region.
    var tlabSize: UInt64 {
        let eden = UInt64(edenTarget) * e.regionSize
        return min(e.regionSize / 4, max(2048, eden / UInt64(o.threads * 50) & ~7))
    }

    mutating func startMutators() throws {
        try phase("application")
        for i in 0..<o.threads {
            appThreads.append(threads.count)
            try startThread(by: main, name: "app-\(i)", java: true, pages: 22)
        }
        tlab = Array(repeating: (0, 0), count: o.threads)
        lastPage = Array(repeating: 0, count: o.threads)
        allocRegionTransient = Array(repeating: 0, count: heap.regionCount)
    }

    /// Allocates `--live` first (the long-lived set, built by the main thread at start-up), then
    /// `--alloc-rate` × `--duration` bytes round-robin over the application threads; each
    /// allocation is a TLAB, a large array or a humongous object, chosen so each kind's share of
    /// the bytes follows `--large` and `--humongous`.
    mutating func mutate() throws {
        let rate = o.allocationRate * 1e6      // bytes per second
        let total = UInt64(rate * o.duration)
        var done: UInt64 = 0
        var large: UInt64 = 0, huge: UInt64 = 0
        var t = 0
        // The long-lived set.
        var built: UInt64 = 0
        while built < o.liveSet && !failed {
            let n = min(tlabSize, o.liveSet - built)
            try allocateInEden(thread: 0, bytes: n)
            built += n
        }
        startup = false
        let start = time
        while done < total && !failed {
            let size: UInt64
            let wantHuge = Double(huge) < Double(done) * o.humongousObjects / 100
            let wantLarge = Double(large) < Double(done) * o.largeObjects / 100
            if wantHuge && o.humongousObjects > 0 {
                // Humongous: half a region to three regions.
                size = e.regionSize / 2 + rng.below(e.regionSize * 5 / 2)
                try allocateHumongous(thread: t, bytes: size)
                huge += size
            } else if wantLarge && o.largeObjects > 0 {
                // Large arrays: above the TLAB, below humongous.
                let lo = tlabSize, hi = e.regionSize / 2
                size = lo + rng.below(max(1, hi - lo))
                try allocateInEden(thread: t, bytes: size, outsideTLAB: true)
                large += size
            } else {
                size = tlabSize
                try allocateInEden(thread: t, bytes: size)
            }
            done += size
            summary.allocatedBytes = done
            time = start + UInt64(Double(done) / rate * 1e9)
            try growCode(elapsed: Double(done) / rate)
            t = (t + 1) % o.threads
        }
    }

    /// Takes `bytes` (a TLAB or a large array) from the current eden region, taking a new one
    /// from the high end when it is full and collecting when eden has reached its target.
    mutating func allocateInEden(thread t: Int, bytes: UInt64, outsideTLAB: Bool = false) throws {
        var left = bytes
        let tid = startup ? main : threads[appThreads[t]].tid
        while left > 0 && !failed {
            if allocRegion == nil || heap.used[allocRegion!] >= e.regionSize {
                if heap.number(.eden) >= edenTarget || heap.number(.free) == 0 { try collect() }
                if failed { return }
                guard let r = heap.takeHigh(.eden) else { try collect(full: true); continue }
                allocRegion = r
                allocRegionTransient[r] = 0
            }
            let r = allocRegion!
            // A TLAB or object does not straddle regions: what does not fit goes to the next one
            // (G1 retires the region, its tail is waste).
            let room = e.regionSize - heap.used[r]
            let n = min(left, room)
            if n < left && !outsideTLAB && n < bytes { heap.used[r] = e.regionSize; continue }
            let at = heap.address(r) + heap.used[r]
            heap.used[r] += n
            if startup { heap.live[r] += n } else { allocRegionTransient[r] += n }
            left -= n
            // A page this thread wrote last time is not written again.
            let from = !startup && at & ~(Page.size - 1) == lastPage[t] ? lastPage[t] + Page.size : at
            try touch(tid, .touchStore, from, at + n)
            if !startup { lastPage[t] = (at + n - 1) & ~(Page.size - 1) }
        }
    }

    /// A humongous object: the lowest run of free regions that holds it, written whole (arrays
    /// are zeroed); collects (young, then full) when no run is free.
    mutating func allocateHumongous(thread t: Int, bytes: UInt64) throws {
        let n = Int((bytes + e.regionSize - 1) / e.regionSize)
        var start = heap.takeHumongous(n)
        if start == nil && heap.committed < heap.regionCount {
            try expandHeap(regions: min(heap.regionCount - heap.committed, n))
            start = heap.takeHumongous(n)
        }
        if start == nil { try collect(); start = heap.takeHumongous(n) }
        if start == nil && !failed { try collect(full: true); start = failed ? nil : heap.takeHumongous(n) }
        guard let s = start else { if !failed { try outOfMemory() }; return }
        var left = bytes
        for r in s..<(s + n) {
            let k = min(left, e.regionSize)
            heap.used[r] = k; heap.live[r] = k; left -= k
        }
        humongous.append((s, n, bytes))
        try touch(threads[appThreads[t]].tid, .touchStore, heap.address(s), heap.address(s) + bytes)
    }

    /// After the run: `--idle` seconds without allocation; with `--periodic-gc` a concurrent
    /// cycle each interval since the last collection (`G1PeriodicGCTask`), whose remark shrinks
    /// the heap and uncommits it in 128 MiB steps.
    mutating func idle() throws {
        guard o.idle > 0 else { return }
        try phase("idle")
        let end = time + UInt64(o.idle * 1e9)
        if o.periodicGCInterval > 0 {
            let interval = o.periodicGCInterval * 1_000_000
            while lastGCTime + interval <= end {
                time = max(time, lastGCTime + interval)
                summary.periodicCollections += 1
                try concurrentCycle(periodic: true)
                lastGCTime = time
            }
        }
        time = max(time, end)
    }

    /// Threads end (a Java thread's guard zone is released first, `remove_stack_guard_pages`),
    /// then the process exits: 0, or 1 after an OutOfMemoryError.
    mutating func finish() throws {
        try phase("exit")
        for i in appThreads {
            let th = threads[i]
            try uncommit(th.tid, th.stackLow, JVMErgonomics.javaGuardZone)
            try emit(th.tid, .process(ProcessEvent(op: .threadExit)))
        }
        summary.finalCommittedHeap = UInt64(heap.committed) * e.regionSize
        try emit(main, .process(ProcessEvent(op: .exit, status: failed ? 1 : 0)))
    }

    /// java.lang.OutOfMemoryError: Java heap space — the allocation cannot be met even after a
    /// full collection at the maximum heap; the main thread's exception ends the process.
    mutating func outOfMemory() throws {
        summary.outOfMemory = true
        failed = true
        try phase("java.lang.OutOfMemoryError: Java heap space")
    }
}
