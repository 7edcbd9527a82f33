import Testing
import MemTrace
@testable import MemModel

/// Reclaim against the page cache on small machines: kswapd woken below the low watermark
/// balances to high, direct reclaim below min, mapped file pages unmapped through the reverse
/// map, dirty pages written back by kswapd only, shadow entries and refaults, and the checker
/// after every step.
@Suite struct ReclaimTests {
    /// Reads `bytes` of file 3 (opened with that size) in 1 MiB read() calls.
    static func readAll(_ k: inout LinuxKernel, _ bytes: UInt64, file: UInt32 = 3, check: Bool = false) {
        var off: UInt64 = 0
        while off < bytes {
            _ = k.file(FileCall(op: .read, file: FileID(file), offset: off, length: 1 << 20, result: 1 << 20), pid: pid, path: "/data/f")
            off += 1 << 20
            if check { #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))") }
        }
    }

    @Test func readingAFileFourTimesMemoryReclaimsTheCacheWithoutKilling() {
        var k = makeKernel(memory: 64 << 20)
        k.openFile(3, size: 256 << 20)
        ReclaimTests.readAll(&k, 256 << 20, check: true)
        #expect(k.stats.oomKill == 0)
        #expect(k.processes[pid]?.alive == true)
        #expect(k.reclaim.stats.pgstealKswapd + k.reclaim.stats.pgstealDirect > 40_000)
        #expect(k.reclaim.stats.pageoutrun > 0)
        // The cache stayed within memory; kswapd left free memory near the high watermark.
        #expect(k.frames.pages(of: .file) < 16_384)
        #expect(k.cache.shadowEntries > 40_000)
    }

    @Test func mappedFilePagesAreUnmappedAndReclaimed() {
        var k = makeKernel(memory: 64 << 20)
        k.openFile(3, size: 192 << 20)
        let base = k.mapFile(3, 192 << 20, shared: true, prot: [.read])
        var a = base
        while a < base + (192 << 20) {
            _ = k.load(a)
            a += 4096
            if a % (16 << 20) == 0 { #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))") }
        }
        #expect(k.stats.oomKill == 0)
        #expect(k.processes[pid]!.rssFile < 16_384)
        #expect(k.reclaim.stats.pgstealKswapd + k.reclaim.stats.pgstealDirect > 30_000)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func anonymousMemoryBeyondRAMWithoutSwapKillsTheBiggest() {
        var k = makeKernel(memory: 64 << 20)
        let other = ProcessID(200)
        _ = k.process(ProcessEvent(op: .spawn), pid: other, tid: ThreadID(200), image: "/bin/small")
        let small = k.mapAnon(8 << 20, p: other)
        for i in 0..<2048 { _ = k.store(small + UInt64(i) << 12, other) }
        let big = k.mapAnon(128 << 20)
        var killed: Translation?
        for i in 0..<32_768 {
            let t = k.store(big + UInt64(i) << 12)
            if t.fault == .oom || !(k.processes[pid]?.alive ?? false) { killed = t; break }
        }
        #expect(killed != nil)
        #expect(k.oomKills.count == 1)
        let kill = k.oomKills[0]
        #expect(kill.victim.pid == pid && kill.invoker.pid == pid)
        #expect(kill.candidates.map(\.0.pid) == [pid, other])
        #expect(kill.logLines().last!.hasPrefix("Out of memory: Killed process 100 (test) total-vm:"))
        #expect(k.processes[other]?.alive == true)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func oomScoreAdjustmentPicksTheSmallerProcess() {
        var k = makeKernel(memory: 64 << 20)
        let other = ProcessID(200)
        _ = k.process(ProcessEvent(op: .spawn), pid: other, tid: ThreadID(200), image: "/bin/victim")
        k.control(ControlEvent(op: .oomScoreAdj, value: 1000, target: other), key: "", name: "")
        let small = k.mapAnon(4 << 20, p: other)
        for i in 0..<1024 { _ = k.store(small + UInt64(i) << 12, other) }
        let big = k.mapAnon(128 << 20)
        for i in 0..<32_768 where k.processes[pid]?.alive == true && k.oomKills.isEmpty { _ = k.store(big + UInt64(i) << 12) }
        #expect(k.oomKills.first?.victim.pid == other)
        #expect(k.processes[other] == nil)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func rereadingAfterEvictionRefaults() {
        var k = makeKernel(memory: 64 << 20)
        k.openFile(3, size: 16 << 20)
        k.openFile(4, size: 128 << 20, path: "/data/g")
        ReclaimTests.readAll(&k, 16 << 20)
        ReclaimTests.readAll(&k, 128 << 20, file: 4)
        ReclaimTests.readAll(&k, 16 << 20)
        #expect(k.reclaim.stats.workingsetRefaultFile > 0)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func dropCachesFreesCleanUnmappedPages() {
        var k = makeKernel(memory: 64 << 20)
        k.openFile(3, size: 8 << 20)
        ReclaimTests.readAll(&k, 8 << 20)
        #expect(k.frames.pages(of: .file) >= 2048)
        k.control(ControlEvent(op: .sysctl, value: 1), key: "vm.drop_caches", name: "")
        #expect(k.frames.pages(of: .file) == 0)
        #expect(k.frames.lruPages(0, .inactiveFile) + k.frames.lruPages(0, .activeFile) == 0)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }
}
