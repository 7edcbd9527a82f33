import Testing
import MemTrace
@testable import MemModel

/// The ptmalloc model's individual rules, each checked against what glibc 2.36 does.
@Suite struct PtmallocTests {
    let base: UInt64 = 0x5555_5555_9000
    func make() -> Ptmalloc { Ptmalloc(layout: HeapLayout(breakStart: base)) }

    @Test func firstMallocReadsTheBreakAndGrowsByTopPad() {
        var a = make()
        let p = a.malloc(10, thread: 1)
        // tcache_perthread_struct (640 bytes → a 656-byte chunk) comes first.
        #expect(p == base + 656 + 16)
        #expect(a.effects.syscalls.map(\.op) == [.brk, .brk])
        #expect(a.effects.syscalls[0].address == 0)
        // 656 + 32 (the request) ... sysmalloc asks nb + top_pad + MINSIZE, page aligned: 0x21000.
        #expect(a.breakBytes == 0x21000)
        #expect(a.lastChunkSize == 32)
    }

    @Test func tcacheThenFastbinThenReuse() {
        var a = make()
        let ps = (0..<9).map { _ in a.malloc(24, thread: 1) }
        for p in ps { a.free(p, thread: 1) }
        // 7 go to the tcache, then 2 to the fastbin.
        #expect(a.tcaches[0].counts[Ptmalloc.tidx(32)] == 7)
        #expect(a.arenas[0].fast[0].count == 2)
        // LIFO: the last one freed into the tcache comes back first.
        #expect(a.malloc(24, thread: 1) == ps[6])
        #expect(a.lastPath == .tcache)
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func mmapThresholdIsRaisedByFreeingAnMmappedChunk() {
        var a = make()
        let p = a.malloc(200 * 1024, thread: 1)
        #expect(a.lastPath == .mmap)
        #expect(a.effects.syscalls.last?.op == .mmap)
        #expect(a.effects.syscalls.last?.length == (200 * 1024 + 16 + 4095) & ~4095)
        a.free(p, thread: 1)
        #expect(a.effects.syscalls.last?.op == .munmap)
        #expect(a.currentMmapThreshold == (200 * 1024 + 16 + 4095) & ~4095)
        #expect(a.trimThreshold == 2 * a.currentMmapThreshold)
        // The same size now comes from the heap.
        _ = a.malloc(200 * 1024, thread: 1)
        #expect(a.lastPath == .topGrown)
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func freeingTheTopTrimsTheBreak() {
        var a = make()
        let big = a.malloc(100 * 1024, thread: 1)
        let big2 = a.malloc(100 * 1024, thread: 1)
        let peak = a.breakBytes
        a.free(big2, thread: 1)
        a.free(big, thread: 1)
        // Top is now ≥ 128 KiB (the trim threshold): systrim keeps top_pad and gives the rest back.
        #expect(a.breakBytes < peak)
        #expect(a.effects.syscalls.last?.op == .brk)
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func coalescingAndSmallBins() {
        var a = make()
        let x = a.malloc(2000, thread: 1), y = a.malloc(2000, thread: 1), z = a.malloc(2000, thread: 1)
        _ = a.malloc(16, thread: 1)
        a.free(x, thread: 1); a.free(y, thread: 1)
        // x and y coalesce into one free chunk in the unsorted bin.
        #expect(a.chunkSize(x - 16) == 2 * Ptmalloc.request2size(2000))
        #expect(a.lastPath == .freeToUnsorted)
        // A 3000-byte request is carved from it.
        let w = a.malloc(3000, thread: 1)
        #expect(w == x)
        _ = z
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func reallocInPlaceIntoTopAndByMremap() {
        var a = make()
        let p = a.malloc(100, thread: 1)
        #expect(a.realloc(p, 5000, thread: 1) == p)
        #expect(a.lastPath == .reallocInPlace)
        let m = a.malloc(300 * 1024, thread: 1)
        let r = a.realloc(m, 600 * 1024, thread: 1)
        #expect(r != 0)
        #expect(a.lastPath == .mremap)
        #expect(a.effects.syscalls.last?.op == .mremap)
        #expect(a.usableSize(r) >= 600 * 1024)
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func callocZeroesOnlyWhatIsNotFresh() {
        var a = make()
        a.effects.recordTouches = true
        _ = a.malloc(130_000, thread: 1)
        a.effects.drain()
        let p = a.calloc(1, 50_000, thread: 1)
        // The top is grown for it: only the part of the chunk that was top before is zeroed;
        // the rest is fresh from brk (MORECORE_CLEARS).
        #expect(a.lastPath == .topGrown)
        #expect(a.effects.touches.allSatisfy { $0.length < 5000 })
        a.free(p, thread: 1)
        a.effects.drain()
        _ = a.calloc(1, 50_000, thread: 1)
        #expect(a.effects.touches.contains { $0.length >= 50_000 })
    }

    @Test func threadArenaHeapIsMappedAlignedAndMprotected() {
        var a = make()
        _ = a.malloc(10, thread: 1)
        a.effects.drain()
        let p = a.malloc(10, thread: 2)
        let ops = a.effects.syscalls.map(\.op)
        // alloc_new_heap: mmap 128 MiB PROT_NONE, munmap head and/or tail, mprotect the first pages.
        #expect(ops.first == .mmap && ops.last == .mprotect && ops.filter { $0 == .munmap }.count >= 1)
        #expect(a.effects.syscalls[0].length == 128 << 20)
        #expect(p & ~(Ptmalloc.heapMaxSize - 1) == a.heaps[0].base)
        #expect(a.arenaFor(p - 16) == 1)
        a.free(p, thread: 2)
        for _ in 0..<2000 { _ = a.malloc(1000, thread: 2) }
        #expect(a.effects.syscalls.contains { $0.op == .mprotect && $0.address > a.heaps[0].base })
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func memalignGivesBackTheLead() {
        var a = make()
        let p = a.memalign(4096, 100, thread: 1)
        #expect(p % 4096 == 0)
        #expect(a.usableSize(p) >= 100)
        #expect(a.invariantViolations().isEmpty)
    }
}
