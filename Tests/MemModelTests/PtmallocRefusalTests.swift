import Testing
import MemTrace
@testable import MemModel

/// The ptmalloc model when the kernel refuses a call, each path as glibc 2.36 takes it: the
/// answers come from a stand-in kernel except for the calls a test refuses.
@Suite struct PtmallocRefusalTests {
    /// Answers like a `StandInKernel`, refusing what `refuse` picks (ENOMEM; brk leaves the break).
    final class RefusingKernel {
        var standIn = StandInKernel(layout: HeapLayout(breakStart: 0x5555_5555_9000))
        var refuse: (AllocatorSyscall) -> Bool = { _ in false }
        func answer(_ c: AllocatorSyscall) -> Int64 {
            guard refuse(c) else { return standIn.perform(c) }
            return c.op == .brk ? Int64(standIn.currentBreak) : -12
        }
    }

    func make(_ k: RefusingKernel) -> Ptmalloc {
        var a = Ptmalloc(layout: HeapLayout(breakStart: 0x5555_5555_9000))
        a.effects.kernel = { k.answer($0) }
        return a
    }

    @Test func aRefusedBrkMapsOneMebibyteAndLaterBrkResumesWithFenceposts() {
        let k = RefusingKernel()
        k.refuse = { $0.op == .brk && $0.address != 0 }
        var a = make(k)
        let p = a.malloc(100, thread: 1)
        #expect(a.effects.syscalls.map(\.op) == [.brk, .brk, .mmap])
        #expect(a.effects.syscalls[2].length == Ptmalloc.mmapAsMorecoreSize && p >= a.effects.syscalls[2].result.magnitude)
        #expect(!a.contiguous && a.breakBytes == 0)
        // Fill the segment, then let brk work again: the new space is not adjacent to the old
        // top, which is closed by a double fencepost and freed.
        for _ in 0..<900 { _ = a.malloc(1000, thread: 1) }
        k.refuse = { _ in false }
        a.effects.drain()
        for _ in 0..<400 { _ = a.malloc(1000, thread: 1) }
        #expect(a.effects.syscalls.contains { $0.op == .brk && !$0.isRefused })
        #expect(a.breakBytes > 0 && a.arenas[0].top >= a.initialBreak && a.arenas[0].top < a.currentBreak)
        #expect(a.invariantViolations().isEmpty, "\(a.invariantViolations().prefix(4))")
    }

    @Test func aThreadArenaThatCannotGrowServesFromAnMmappedChunk() {
        let k = RefusingKernel()
        var a = make(k)
        _ = a.malloc(10, thread: 1)
        _ = a.malloc(10, thread: 2)
        #expect(a.arenas.count == 2)
        // grow_heap's mprotect and new_heap's reservations are refused; plain mappings are not.
        k.refuse = { $0.op == .mprotect || ($0.op == .mmap && $0.prot.isEmpty) }
        var served = 0
        for _ in 0..<400 where a.malloc(1000, thread: 2) != 0 { served += 1 }
        #expect(served == 400)
        #expect(a.heaps.count == 1 && a.mmapped.count > 0)
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func aRefusedMremapReallocatesByCopy() {
        let k = RefusingKernel()
        var a = make(k)
        let m = a.malloc(300 * 1024, thread: 1)
        k.refuse = { $0.op == .mremap }
        a.effects.drain()
        let r = a.realloc(m, 600 * 1024, thread: 1)
        #expect(r != 0 && r != m)
        #expect(a.effects.syscalls.map(\.op) == [.mremap, .mmap, .munmap])
        #expect(a.usableSize(r) >= 600 * 1024 && a.usableSize(m) == 0)
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func everythingRefusedIsNullAndNothingHeld() {
        let k = RefusingKernel()
        k.refuse = { $0.op != .brk || $0.address != 0 }
        var a = make(k)
        #expect(a.malloc(100, thread: 1) == 0)
        #expect(a.malloc(1 << 20, thread: 1) == 0)
        #expect(a.calloc(10, 10, thread: 1) == 0)
        #expect(a.memalign(4096, 100, thread: 1) == 0)
        #expect(a.mappings.isEmpty && a.heapBytes == 0)
        #expect(a.invariantViolations().isEmpty)
    }
}
