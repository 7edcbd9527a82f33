import Testing
import MemTrace
@testable import MemModel

/// The jemalloc-like model's size classes, slabs, extents and decay.
@Suite struct JemallocModelTests {
    @Test func sizeClasses() {
        let c = JemallocSizeClasses.classes
        #expect(Array(c.prefix(12)) == [8, 16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224])
        #expect(c[JemallocSizeClasses.smallCount - 1] == 14336)
        #expect(c[JemallocSizeClasses.smallCount] == 16384)
        // Four classes per doubling.
        #expect(c.filter { $0 > 4096 && $0 <= 8192 } == [5120, 6144, 7168, 8192])
        // slab_size: least common multiple of the page and the class.
        #expect(JemallocSizeClasses.slabPages[JemallocSizeClasses.index(48)!] == 3)
        #expect(JemallocSizeClasses.slabPages[JemallocSizeClasses.index(14336)!] == 7)
        #expect(JemallocSizeClasses.index(17) == JemallocSizeClasses.index(32))
    }

    @Test func smallBlocksComeFromOneSlabLowestFirst() {
        var a = JemallocModel()
        let p = a.malloc(40, thread: 1), q = a.malloc(40, thread: 1)
        #expect(q == p + 48)
        #expect(a.lastChunkSize == 48)
        #expect(a.effects.syscalls.count == 1 && a.effects.syscalls[0].op == .mmap && a.effects.syscalls[0].length == 2 << 20)
        a.free(q, thread: 1)
        #expect(a.lastPath == .freeToThreadCache)
        #expect(a.malloc(33, thread: 1) == q)
        #expect(a.lastPath == .threadCache)
    }

    @Test func dirtyPagesDecayWithMadvise() {
        var a = JemallocModel()
        let blocks = (0..<16).map { _ in a.malloc(256 << 10, thread: 1) }
        for b in blocks { a.free(b, thread: 1) }
        #expect(a.dirtyBytes == 16 * (256 << 10))
        #expect(!a.effects.syscalls.contains { $0.op == .madvise })
        // Halfway through the decay time some pages are purged, after it all of them.
        a.advanceClock(to: 5_000_000_000); a.free(a.malloc(8, thread: 1), thread: 1)
        let half = a.dirtyBytes
        #expect(half > 0 && half < 16 * (256 << 10))
        a.advanceClock(to: 11_000_000_000); a.free(a.malloc(8, thread: 1), thread: 1)
        #expect(a.dirtyBytes == 0)
        #expect(a.effects.syscalls.contains { $0.op == .madvise && $0.flags == 4 })
        #expect(a.heapBytes < a.mappedBytes)
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func muzzyDecayUsesMadvFreeFirst() {
        var o = JemallocModel.Options(); o.muzzyDecayMs = 10_000
        var a = JemallocModel(options: o)
        let b = a.malloc(1 << 20, thread: 1)
        a.free(b, thread: 1)
        a.advanceClock(to: 20_000_000_000); a.free(a.malloc(8, thread: 1), thread: 1)
        #expect(a.effects.syscalls.contains { $0.op == .madvise && $0.flags == 8 })
        #expect(a.muzzyBytes > 0)
        #expect(a.invariantViolations().isEmpty)
    }
}
