import Testing
import MemTrace
@testable import MemModel

/// Shared anonymous memory under pressure: shmem pages go to swap through `shmem_writepage`
/// and come back through `shmem_swapin_folio`; the object holds its slots until it goes.
@Suite struct ShmemSwapTests {
    static func swappedPages(_ k: LinuxKernel) -> Int { k.cache.shmem.values.reduce(0) { $0 + $1.swapped.count } }

    @Test func sharedAnonymousMemoryTwiceTheRAMSwapsOutAndBack() {
        var k = makeKernel(memory: 64 << 20, swap: "128M")
        let base = k.mapAnon(96 << 20, shared: true)
        SwapTests.writeAll(&k, base, 96 << 20, check: true)
        #expect(k.stats.oomKill == 0)
        #expect(k.swap.stats.pswpout > 8_000)
        #expect(Self.swappedPages(k) > 8_000)
        #expect(k.processes[pid]!.table.swapEntryCount == 0)          // shmem keeps its entries in the object
        #expect(k.frames.pages(of: .shmem) < 16_384)
        #expect(k.shmemSwapped(k.cache.shmem.keys.first!, first: 0, count: 24_576) == UInt64(Self.swappedPages(k)))
        // Read it all back.
        var kinds: [FaultKind: Int] = [:]
        var a = base
        while a < base + (96 << 20) { kinds[k.load(a).fault, default: 0] += 1; a += 4096 }
        #expect(k.stats.oomKill == 0)
        #expect(k.swap.stats.pswpin > 8_000)
        #expect((kinds[.swapInMajor] ?? 0) > 0 && (kinds[.swapIn] ?? 0) > 0)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func theObjectsSlotsGoWithItsLastMapping() {
        var k = makeKernel(memory: 64 << 20, swap: "128M")
        let base = k.mapAnon(96 << 20, shared: true)
        SwapTests.writeAll(&k, base, 96 << 20)
        let child = ProcessID(101)
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base), length: 96 << 20), pid: pid, name: "")
        #expect(k.swap.freePages < k.swap.totalPages)                   // the child still maps the object
        // The child reads a page that lives in swap: it sees the object's page.
        #expect(k.load(base, child).fault.isFault)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(101), image: "")
        #expect(k.swap.freePages == k.swap.totalPages)
        #expect(k.swap.cache.isEmpty)
        #expect(k.cache.shmem.isEmpty)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func withoutSwapSharedMemoryIsNeverReclaimed() {
        var k = makeKernel(memory: 64 << 20)
        let base = k.mapAnon(40 << 20, shared: true)
        SwapTests.writeAll(&k, base, 40 << 20)
        #expect(k.swap.stats.pswpout == 0)
        #expect(k.frames.pages(of: .shmem) == 10_240)
    }
}
