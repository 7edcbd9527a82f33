import Testing
import MemTrace
@testable import MemModel

/// Reclaim against the page cache on small machines: kswapd and direct reclaim keep a file four
/// times the memory from killing anyone, mapped file pages are unmapped through the reverse map,
/// evicted pages leave shadow entries that a re-read turns into refaults, and drop_caches empties
/// the clean cache; the checker runs after the steps.
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
