import Testing
import MemTrace
@testable import MemModel

/// Dirty pages and writeback on virtual time: the thresholds as `domain_dirty_limits` computes
/// them, `balance_dirty_pages` holding a writer to the disk's bandwidth, the flusher's periodic
/// and background work, fsync waiting for the disk, reclaim's handling of dirty and writeback
/// folios, and `folio_mark_accessed` on read().
@Suite struct WritebackTests {
    static let second: UInt64 = 1_000_000_000

    /// Writes `bytes` to file `file` in 1 MiB write() calls at virtual time `at`, returning the
    /// total dirty-throttle stall; `peak` gets the most dirty + writeback pages seen after a call.
    static func write(_ k: inout LinuxKernel, _ bytes: UInt64, file: UInt32 = 3, from offset: UInt64 = 0, at: UInt64 = 0,
                      peak: inout UInt64) -> UInt64 {
        var off = offset, stalled: UInt64 = 0
        k.clock = at
        while off < offset + bytes {
            _ = k.file(FileCall(op: .write, file: FileID(file), offset: off, length: 1 << 20, result: 1 << 20), pid: pid, path: "/data/f")
            stalled += k.takeStall().dirtyThrottle
            peak = max(peak, k.cache.dirtyPages + k.cache.writebackPages)
            off += 1 << 20
        }
        return stalled
    }

    @Test func thresholdsAreTheKernelsPerPageRatiosOfDirtyableMemory() {
        let d = WritebackPolicy()
        // 20% and 10% taken per PAGE_SIZE: 819/4096 and 409/4096 of the dirtyable pages.
        #expect(DirtyThrottle.limits(available: 1_000_000, policy: d) == .init(thresh: 199_951, bgThresh: 99_853))
        // 4 GiB of dirtyable memory: 1048576 pages.
        #expect(DirtyThrottle.limits(available: 1 << 20, policy: d) == .init(thresh: 209_664, bgThresh: 104_704))
        var b = d
        #expect(b.apply("vm.dirty_bytes", 10 << 20) && b.dirtyRatio == 0)
        #expect(DirtyThrottle.limits(available: 1 << 20, policy: b).thresh == 2560)
        #expect(b.apply("vm.dirty_background_bytes", 20 << 20) && b.dirtyBackgroundRatio == 0)
        // bg ≥ thresh: half of thresh (6.1's domain_dirty_limits).
        #expect(DirtyThrottle.limits(available: 1 << 20, policy: b) == .init(thresh: 2560, bgThresh: 1280))
        #expect(b.apply("vm.dirty_bytes", 10_000) && DirtyThrottle.limits(available: 1, policy: b).thresh == 3, "DIV_ROUND_UP")
        #expect(b.apply("vm.dirty_ratio", 30) && b.dirtyBytes == 0)
        #expect(!b.apply("vm.dirty_ratio", 101) && !b.apply("vm.dirty_bytes", 4096))
        #expect(DirtyThrottle.limits(available: 100, policy: d).freerun == (19 + 9) / 2)
        // The kernel model: free above totalreserve_pages plus the file LRU, + 1.
        var k = makeKernel(memory: 256 << 20)
        let free = k.frames.buddyFreePages, reserve = k.frames.totalReservePages
        #expect(k.dirtyableMemory == free - reserve + 1)
        k.openFile(3, size: 8 << 20)
        ReclaimTests.readAll(&k, 8 << 20)
        #expect(k.dirtyableMemory == k.frames.buddyFreePages - reserve + 2048 + 1, "the file's pages count, free or cached")
        #expect(k.dirtyLimits() == DirtyThrottle.limits(available: k.dirtyableMemory, policy: d))
    }

    @Test func positionRatioIsTheCubicControlLine() {
        // f(freerun) ≈ 2, f(setpoint) = 1, f(limit) ≈ 0 (pos_ratio_polynom in 1/1024ths, with the
        // kernel's integer steps: x = ±512000/501 = ±1021, cubed with two arithmetic shifts).
        #expect(DirtyThrottle.posRatioPolynom(setpoint: 1500, dirty: 1000, limit: 2000) == 2039)
        #expect(DirtyThrottle.posRatioPolynom(setpoint: 1500, dirty: 1500, limit: 2000) == 1024)
        #expect(DirtyThrottle.posRatioPolynom(setpoint: 1500, dirty: 2000, limit: 2000) == 8)
        #expect(DirtyThrottle.posRatioPolynom(setpoint: 1500, dirty: 2500, limit: 2000) == 0, "clamped")
        let l = DirtyThrottle.Limits(thresh: 2000, bgThresh: 1000)
        #expect(DirtyThrottle.positionRatio(dirty: 2000, limits: l, limit: 2000, writeBandwidth: 51_200) == 0, "at the limit")
        #expect(DirtyThrottle.maxPause(wbDirty: 1 << 20, writeBandwidth: 51_200) == 50, "MAX_PAUSE, 200 ms at HZ 250")
    }

    @Test func aWriterDirtyingTwiceTheThresholdIsHeldToTheDisksBandwidth() {
        var k = makeKernel(memory: 512 << 20)
        let limits = k.dirtyLimits()
        let bytes = 2 * limits.thresh * 4096
        k.openFile(3, size: 0)
        var peak: UInt64 = 0
        let stalled = WritebackTests.write(&k, bytes, peak: &peak)
        // Past the freerun ceiling the writer goes at the disk's pace: the pages it dirtied beyond
        // what was free to dirty take (pages / bandwidth) to write.
        let beyond = Double(bytes / 4096) - Double(limits.freerun)
        let expected = beyond / Double(k.writeback.writeBandwidthPages) * 1e9
        print("WRITEBACK-MEASURE thresh=\(limits.thresh) bg=\(limits.bgThresh) freerun=\(limits.freerun) bytes=\(bytes) stalled=\(stalled) expected=\(expected) peak=\(peak) pauses=\(k.writeback.stats.pauses) written=\(k.writeback.stats.nrWritten) ratelimit=\(k.writeback.dirtyRatelimit)")
        #expect(k.writeback.stats.pauses > 0)
        #expect(abs(Double(stalled) - expected) < 0.2 * expected, "stalled \(stalled) ns, expected ≈ \(expected)")
        #expect(peak <= limits.thresh, "peak \(peak) dirty+writeback pages, thresh \(limits.thresh)")
        #expect(k.writeback.stats.backgroundChunks > 0 && k.writeback.stats.nrWritten > 0)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func aWriterBelowTheFreerunCeilingIsNeverPaused() {
        var k = makeKernel(memory: 512 << 20)
        let freerun = k.dirtyLimits().freerun
        k.openFile(3, size: 0)
        var peak: UInt64 = 0
        let stalled = WritebackTests.write(&k, (freerun / 2) * 4096 & ~((1 << 20) - 1), peak: &peak)
        #expect(stalled == 0 && k.writeback.stats.pauses == 0)
        #expect(k.writeback.inflight.isEmpty, "below the background threshold nothing is written yet")
    }

    @Test func theFlusherWritesDirtyDataThirtySecondsOldOnItsFiveSecondTick() {
        var k = makeKernel(memory: 256 << 20)
        k.openFile(3, size: 0)
        k.openFile(4, size: 1 << 20, path: "/data/g")
        var peak: UInt64 = 0
        _ = WritebackTests.write(&k, 1 << 20, at: 1 * WritebackTests.second, peak: &peak)
        #expect(k.cache.dirtyPages == 256 && k.writeback.nextPeriodic == 6 * WritebackTests.second)
        // Any later event brings the model's time forward; the ticks at 6, 11, …, 26 s find the
        // inode younger than 30 s.
        func event(at t: UInt64) {
            k.clock = t
            _ = k.file(FileCall(op: .read, file: FileID(4), offset: 0, length: 4096, result: 4096), pid: pid, path: "/data/g")
        }
        event(at: 30 * WritebackTests.second + WritebackTests.second / 2)
        #expect(k.cache.dirtyPages == 256 && k.writeback.stats.nrWritten == 0)
        #expect(k.writeback.nextPeriodic == 31 * WritebackTests.second)
        // The 31 s tick writes it; 1 MiB at 200 MB/s takes 5.2 ms.
        event(at: 31 * WritebackTests.second + 1_000_000)
        #expect(k.cache.dirtyPages == 0 && k.cache.writebackPages == 256)
        event(at: 31 * WritebackTests.second + 6_000_000)
        #expect(k.cache.writebackPages == 0 && k.writeback.stats.nrWritten == 256 && k.writeback.stats.periodicChunks == 1)
        #expect(k.stats.pgpgout == 1024)
        // Nothing dirty or in flight: the flusher sleeps.
        #expect(k.writeback.nextPeriodic == nil)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func fsyncWaitsForTheDiskAndRedirtyingAMappedPageFaultsAgain() {
        var k = makeKernel(memory: 256 << 20)
        k.openFile(3, size: 4 << 20)
        let base = k.mapFile(3, 4 << 20, shared: true)
        for a in stride(from: base, to: base + (4 << 20), by: 4096) { _ = k.store(a) }
        #expect(k.cache.dirtyPages == 1024 && k.writeback.stats.nrDirtied == 1024)
        k.clock = 2 * WritebackTests.second
        let r = k.file(FileCall(op: .fsync, file: FileID(3)), pid: pid, path: "/data/f")
        #expect(r.pagesWritten == 1024 && k.cache.dirtyPages == 0 && k.cache.writebackPages == 0)
        // 4 MiB at 200 MB/s: the task slept 20.97 ms.
        #expect(k.writeback.now == 2 * WritebackTests.second + 20_971_520)
        // folio_mkclean write-protected the PTEs: the next store faults and dirties again.
        let t = k.store(base)
        #expect(t.fault == .fileWriteNotify && k.cache.dirtyPages == 1)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func dirtySysctlsAsControlEventsChangeThePolicy() throws {
        var k = makeKernel(memory: 256 << 20)
        k.control(ControlEvent(op: .sysctl, value: 8 << 20), key: "vm.dirty_bytes", name: "")
        k.control(ControlEvent(op: .sysctl, value: 2 << 20), key: "vm.dirty_background_bytes", name: "")
        #expect(k.dirtyLimits() == .init(thresh: 2048, bgThresh: 512))
        #expect(k.writeback.policy.dirtyRatio == 0 && k.writeback.ratelimitPages == 32, "2048 / (1 CPU × 32)")
        var c = VirtualMemoryConfiguration()
        #expect(try c.set("bdi.write_bandwidth", "50M") && c.writeback.writeBandwidth == 50 << 20)
        #expect(try c.set("vm.dirty_background_ratio", "5") && c.writeback.dirtyBackgroundRatio == 5)
        #expect(throws: ConfigurationError.self) { _ = try c.set("vm.dirty_ratio", "200") }
    }

    @Test func readTwiceIsActiveReadOnceInactive() {
        var k = makeKernel(memory: 256 << 20)
        k.openFile(3, size: 4 << 20)
        k.openFile(4, size: 4 << 20, path: "/data/g")
        ReclaimTests.readAll(&k, 4 << 20)
        ReclaimTests.readAll(&k, 4 << 20, file: 4)
        ReclaimTests.readAll(&k, 4 << 20, file: 4)
        let once = k.cache.pages(of: FileID(3)).map { k.frames.lruListOf($0.frame) }
        let twice = k.cache.pages(of: FileID(4)).map { k.frames.lruListOf($0.frame) }
        #expect(once.allSatisfy { $0 == .inactiveFile } && once.count == 1024)
        #expect(twice.allSatisfy { $0 == .activeFile } && twice.count == 1024)
        #expect(k.reclaim.stats.pgactivate == 1024)
        // A write does not mark accessed (FGP_WRITEBEGIN has no FGP_ACCESSED).
        k.openFile(5, size: 0, path: "/data/h")
        var peak: UInt64 = 0
        _ = WritebackTests.write(&k, 1 << 20, file: 5, peak: &peak)
        _ = WritebackTests.write(&k, 1 << 20, file: 5, peak: &peak)
        #expect(k.cache.pages(of: FileID(5)).allSatisfy { k.frames.lruListOf($0.frame) == .inactiveFile })
    }
}
