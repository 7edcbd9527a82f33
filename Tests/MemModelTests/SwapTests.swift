import Testing
import MemTrace
@testable import MemModel

/// Swap on small machines: anonymous memory twice the RAM goes out and comes back without a
/// kill, slots and the swap cache stay consistent (the checker after the steps), fork shares
/// swap entries, munmap and exit free them, readahead reads the cluster window, and without
/// swap the same program is OOM-killed.
@Suite struct SwapTests {
    /// Writes one byte into every page of [base, base + bytes).
    static func writeAll(_ k: inout LinuxKernel, _ base: UInt64, _ bytes: UInt64, p: ProcessID = pid, check: Bool = false) {
        var a = base
        while a < base + bytes {
            _ = k.store(a, p)
            a += 4096
            if check && a % (8 << 20) == 0 { #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))") }
        }
    }

    @Test func anonymousMemoryTwiceTheRAMSwapsOutAndBackWithoutAKill() {
        var k = makeKernel(memory: 64 << 20, swap: "128M")
        let base = k.mapAnon(96 << 20)
        SwapTests.writeAll(&k, base, 96 << 20, check: true)
        #expect(k.stats.oomKill == 0)
        let p = k.processes[pid]!
        #expect(k.swap.stats.pswpout > 8_000)
        #expect(p.table.swapEntryCount > 8_000)
        #expect(p.rssAnon + p.table.swapEntryCount >= 24_576 - UInt64(k.swap.cache.count))
        // Read it all back: swap-ins are major faults, readahead reads neighbours.
        let majorBefore = k.stats.pgmajfault
        var a = base
        var kinds: [FaultKind: Int] = [:]
        while a < base + (96 << 20) { kinds[k.load(a).fault, default: 0] += 1; a += 4096 }
        #expect(k.stats.oomKill == 0)
        #expect(k.swap.stats.pswpin > 8_000)
        #expect(k.stats.pgmajfault > majorBefore)
        #expect((kinds[.swapInMajor] ?? 0) > 0 && (kinds[.swapIn] ?? 0) > 0)
        #expect(k.swap.stats.swapRA > 0 && k.swap.stats.swapRAHit > 0)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
        let status = k.status(of: pid)!
        #expect(status.vmSwap == p.table.swapEntryCount * 4)
    }

    @Test func withoutSwapTheSameProgramIsKilled() {
        var k = makeKernel(memory: 64 << 20)
        let base = k.mapAnon(62 << 20)
        SwapTests.writeAll(&k, base, 62 << 20)
        #expect(k.stats.oomKill == 1)
        #expect(k.processes[pid] == nil || k.processes[pid]?.alive == false)
    }

    @Test func munmapAndExitFreeEverySlot() {
        var k = makeKernel(memory: 64 << 20, swap: "128M")
        let base = k.mapAnon(96 << 20)
        SwapTests.writeAll(&k, base, 96 << 20)
        #expect(k.swap.freePages < k.swap.totalPages)
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base), length: 48 << 20), pid: pid, name: "")
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
        _ = k.process(ProcessEvent(op: .exit), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.swap.freePages == k.swap.totalPages)
        #expect(k.swap.cache.isEmpty)
        #expect(k.frames.pages(of: .anonymous) == 0)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func forkSharesSwapEntriesAndEachSideFaultsItsOwnCopy() {
        var k = makeKernel(memory: 64 << 20, swap: "128M")
        let base = k.mapAnon(80 << 20)
        SwapTests.writeAll(&k, base, 80 << 20)
        let swapped = k.processes[pid]!.table.swapEntryCount
        #expect(swapped > 0)
        let child = ProcessID(101)
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.processes[child]!.table.swapEntryCount >= swapped)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
        // The child writes every page: swapped pages come in shared, then are copied.
        SwapTests.writeAll(&k, base, 80 << 20, p: child, check: true)
        #expect(k.stats.oomKill == 0)
        #expect(k.stats.cowCopies > 0)
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(101), image: "")
        _ = k.process(ProcessEvent(op: .exit), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.swap.freePages == k.swap.totalPages)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func commitLimitAndMeminfoCountTheSwap() {
        let k = makeKernel(memory: 64 << 20, swap: "128M,64M:5")
        #expect(k.swap.areas.map(\.priority) == [-2, 5])
        #expect(k.totalSwapPages == (128 << 8) - 1 + (64 << 8) - 1)
        let values = Dictionary(uniqueKeysWithValues: k.metrics().map { ($0.name, $0.value) })
        #expect(values["meminfo.SwapTotal"] == Double(k.totalSwapPages * 4))
        #expect(values["meminfo.SwapFree"] == Double(k.totalSwapPages * 4))
        #expect(k.value(of: .commitLimit) == Int64((k.frames.totalPages / 2 + k.totalSwapPages) * 4))
    }

    @Test func higherPriorityAreaFillsFirst() {
        var k = makeKernel(memory: 64 << 20, swap: "64M,64M:5")
        let base = k.mapAnon(80 << 20)
        SwapTests.writeAll(&k, base, 80 << 20)
        #expect(k.swap.areas[1].inUse > 0)
        #expect(k.swap.areas[0].inUse == 0 || k.swap.areas[1].isFull)
    }

    @Test func readaheadWindowFollowsTheKernelsHeuristic() {
        var s = SwapSpace(areas: [SwapArea(name: "/s", bytes: 1 << 20, priority: -2)])
        // No hits, not adjacent to the previous offset: one page.
        #expect(s.readaheadPages(offset: 100, pageCluster: 3) == 1)
        // Adjacent: hits + 2 = 2 pages.
        #expect(s.readaheadPages(offset: 101, pageCluster: 3) == 2)
        s.readaheadHits = 3
        #expect(s.readaheadPages(offset: 300, pageCluster: 3) == 8)       // 3 + 2 → 8, capped at 2^3
        // The window shrinks by at most half.
        #expect(s.readaheadPages(offset: 900, pageCluster: 3) == 4)
        #expect(s.readaheadPages(offset: 900, pageCluster: 0) == 1)
    }

    @Test func slotAllocationIsSequentialAndWrapsLikeScanSwapMapSlots() {
        var a = SwapArea(name: "/s", bytes: 16 << 12, priority: -2)
        #expect(a.pages == 15)
        let first = (0..<5).compactMap { _ in a.allocate() }
        #expect(first == [1, 2, 3, 4, 5])
        a.put(2, cache: true)
        #expect(a.allocate() == 6)
        while a.allocate() != nil {}
        #expect(a.isFull)
        a.put(9, cache: true)
        #expect(a.allocate() == 9)
        #expect(a.invariantViolations().isEmpty)
    }
}
