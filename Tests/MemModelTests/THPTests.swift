import Testing
import MemTrace
@testable import MemModel

/// A kernel whose THP setting is `mode`, with one process.
private func thpKernel(_ mode: String, memory: UInt64 = 64 << 20) -> LinuxKernel {
    var c = MachineConfiguration(name: "test", memoryBytes: memory, kernelReservedBytes: 1 << 20)
    try! c.set("thp.enabled", mode)
    var k = LinuxKernel(configuration: c)
    _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/test")
    _ = k.takeChanges()
    return k
}

private let base: UInt64 = 0x4000_0000      // 2 MiB aligned

@Suite struct THPTests {
    @Test func alwaysMapsTwoMegabytesOnTheFirstWrite() {
        var k = thpKernel("always")
        _ = k.mapAnon(8 << 20, at: base)
        let t = k.store(base + 12345)
        #expect(t.fault == .thpNew && t.fault.pageSize == .size2M)
        #expect(t.frame.rawValue & 511 == (12345 >> 12))
        #expect(k.processes[pid]!.rssAnon == 512)
        #expect(k.stats.thpFaultAlloc == 1 && k.stats.pgfault == 1)
        #expect(k.store(base + (2 << 20) - 8).fault == .none)
        #expect(k.meminfoFields().first { $0.0 == "AnonHugePages" }!.1 == 2048)
        #expect(k.meminfoFields().first { $0.0 == "AnonPages" }!.1 == 2048)
        let w = k.pageWalk(pid: pid, address: base + 4096)
        #expect(w.pageSize == .size2M && w.count == 3)
        #expect(k.pageWalk(pid: pid, address: base + (4 << 20)).count < 4)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func madviseModeNeedsMadvHugepage() {
        var k = thpKernel("madvise")
        _ = k.mapAnon(4 << 20, at: base)
        #expect(k.store(base).fault == .anonNew)
        _ = k.memory(MemoryCall(op: .madvise, address: VirtualAddress(base + (2 << 20)), length: 2 << 20,
                                flags: Advice.hugePage.rawValue), pid: pid, name: "")
        #expect(k.store(base + (2 << 20)).fault == .thpNew)
        #expect(k.thpEligible(k.processes[pid]!.space[k.processes[pid]!.space.find(base + (2 << 20))!]))
        #expect(!k.thpEligible(k.processes[pid]!.space[k.processes[pid]!.space.find(base)!]))
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func neverAndNoHugepageAndUnalignedTailUseSmallPages() {
        var k = thpKernel("never")
        _ = k.mapAnon(4 << 20, at: base)
        #expect(k.store(base).fault == .anonNew)
        var a = thpKernel("always")
        _ = a.mapAnon(3 << 20, at: base)              // [base, base+3M): only the first 2 MiB fits
        #expect(a.store(base).fault == .thpNew)
        #expect(a.store(base + (2 << 20)).fault == .anonNew)
        _ = a.mapAnon(4 << 20, at: base + (16 << 20))
        _ = a.memory(MemoryCall(op: .madvise, address: VirtualAddress(base + (16 << 20)), length: 4 << 20,
                                flags: Advice.noHugePage.rawValue), pid: pid, name: "")
        #expect(a.store(base + (16 << 20)).fault == .anonNew)
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func readMapsTheHugeZeroPageAndAWriteSplitsIt() {
        var k = thpKernel("always")
        _ = k.mapAnon(4 << 20, at: base)
        let r = k.load(base + 8192)
        #expect(r.fault == .thpZeroPage)
        #expect(k.processes[pid]!.rssAnon == 0 && k.stats.thpZeroPageAlloc == 1)
        #expect(k.load(base + 4096 * 100).fault == .none)
        let w = k.store(base + 8192)
        #expect(w.fault == .zeroPageCopy)
        #expect(k.stats.thpSplitPmd == 1 && k.processes[pid]!.rssAnon == 1)
        #expect(k.load(base + 4096 * 100).frame == k.frames.zeroPage)
        // A second read fault elsewhere reuses the same huge zero page.
        #expect(k.load(base + (2 << 20)).fault == .thpZeroPage && k.stats.thpZeroPageAlloc == 1)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func partialUnmapSplitsAndFreesTheUnmappedPart() {
        var k = thpKernel("always")
        _ = k.mapAnon(2 << 20, at: base)
        _ = k.store(base)
        let freeBefore = k.frames.buddyFreePages + k.frames.pcpPages
        let r = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base + (1 << 20)), length: 1 << 20), pid: pid, name: "")
        #expect(r.result == 0 && r.pagesFreed == 256)
        #expect(k.processes[pid]!.rssAnon == 256)
        #expect(k.frames.pages(of: .anonHuge) == 0 && k.frames.pages(of: .anonymous) == 256)
        #expect(k.frames.buddyFreePages + k.frames.pcpPages == freeBefore + 256)
        #expect(k.stats.thpSplitPmd == 1 && k.stats.thpSplitPage == 1)
        #expect(k.invariantViolations().isEmpty)
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base), length: 1 << 20), pid: pid, name: "")
        #expect(k.frames.pages(of: .anonymous) == 0)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func wholeUnmapAndExitFreeTheOrder9Block() {
        var k = thpKernel("always")
        _ = k.mapAnon(4 << 20, at: base)
        _ = k.store(base); _ = k.store(base + (2 << 20))
        #expect(k.frames.pages(of: .anonHuge) == 1024)
        let r = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base), length: 2 << 20), pid: pid, name: "")
        #expect(r.pagesFreed == 513)           // the THP and its deposited page table
        #expect(k.frames.pages(of: .anonHuge) == 512)
        _ = k.process(ProcessEvent(op: .exit), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.frames.pages(of: .anonHuge) == 0 && k.frames.pages(of: .pageTable) == 0)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func forkSharesTheTHPAndEachWriterSplitsAndCopies() {
        var k = thpKernel("always")
        _ = k.mapAnon(2 << 20, at: base)
        _ = k.store(base)
        let child = ProcessID(101)
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        let head = k.processes[pid]!.table.hugeEntry(Page.number(of: base))!.frame
        #expect(k.processes[child]!.rssAnon == 512 && k.frames.entireMapCountOf(head) == 2)
        #expect(k.invariantViolations().isEmpty)
        #expect(k.store(base + 4096, child).fault == .cowCopy)
        #expect(k.stats.thpSplitPmd == 1 && k.frames.pages(of: .anonHuge) == 512)   // still PMD-mapped by the parent
        #expect(k.invariantViolations().isEmpty)
        // The parent's PMD is the last one: it is split and the THP becomes small pages (the
        // deferred split done at once). The child copied +4 KiB, so the parent's page there is
        // exclusive and reused; +8 KiB is still mapped by the child, so it is copied.
        #expect(k.store(base + 4096).fault == .cowReuse)
        #expect(k.frames.pages(of: .anonHuge) == 0)
        #expect(k.store(base + 8192).fault == .cowCopy)
        #expect(k.invariantViolations().isEmpty)
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(101), image: "")
        #expect(k.store(base + 12288).fault == .cowReuse)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func exclusiveTHPIsReusedWholeAfterTheChildExits() {
        var k = thpKernel("always")
        _ = k.mapAnon(2 << 20, at: base)
        _ = k.store(base)
        let child = ProcessID(101)
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(101), image: "")
        #expect(k.store(base + 4096).fault == .thpReuse)
        #expect(k.store(base + 8192).fault == .none)
        #expect(k.frames.pages(of: .anonHuge) == 512 && k.stats.thpSplitPmd == 0)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func noOrder9BlockFallsBackToSmallPages() {
        var k = thpKernel("always", memory: 32 << 20)
        var blocks: [PageFrameNumber] = []
        while let b = k.frames.allocatePages(order: 9, gfp: .highUserMovable) { k.frames.setUse(b, order: 9, .slab); blocks.append(b) }
        // Give back every other page of one block: plenty of memory, no order-9 block.
        for i in stride(from: UInt64(1), to: 512, by: 2) { k.frames.freePages(PageFrameNumber(blocks.last!.rawValue + i), order: 0) }
        _ = k.mapAnon(2 << 20, at: base)
        let t = k.store(base)
        #expect(t.fault == .anonNew)
        #expect(k.stats.thpFaultFallback == 1 && k.stats.thpFaultAlloc == 0)
        #expect(k.frames.invariantViolations().isEmpty)   // the blocks held as slab are not in SLUB's books
    }

    @Test func mprotectOfHalfSplitsAndWriteProtectsOnlyThatHalf() {
        var k = thpKernel("always")
        _ = k.mapAnon(2 << 20, at: base)
        _ = k.store(base)
        let r = k.memory(MemoryCall(op: .mprotect, address: VirtualAddress(base + (1 << 20)), length: 1 << 20, prot: [.read]), pid: pid, name: "")
        #expect(r.result == 0 && k.stats.thpSplitPmd == 1)
        #expect(k.store(base).fault == .none)
        #expect(k.store(base + (1 << 20)).fault == .segvAccErr)
    }
}

@Suite struct LimitTests {
    private func kernel(_ settings: [(String, String)]) -> LinuxKernel {
        var c = MachineConfiguration(name: "test", memoryBytes: 64 << 20, kernelReservedBytes: 1 << 20)
        for (k, v) in settings { try! c.set(k, v) }
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/test")
        return k
    }
    private func mmap(_ k: inout LinuxKernel, _ length: UInt64, _ flags: MapFlags = [.private, .anonymous]) -> Int64 {
        k.memory(MemoryCall(op: .mmap, length: length, prot: [.read, .write], flags: flags.rawValue), pid: pid, name: "").result
    }

    @Test func mapLockedBeyondMemlockIsEAGAINAndMlockIsENOMEM() {
        var k = kernel([("rlimit.memlock", "64K")])
        #expect(mmap(&k, 64 << 10, [.private, .anonymous, .locked]) > 0)
        #expect(mmap(&k, 4096, [.private, .anonymous, .locked]) == -11)
        let a = UInt64(mmap(&k, 8192))
        #expect(k.memory(MemoryCall(op: .mlock, address: VirtualAddress(a), length: 8192), pid: pid, name: "").result == -12)
        #expect(k.lockedPages(k.processes[pid]!) == 16)
    }

    @Test func mapCountAndAddressSpaceAndDataLimits() {
        var m = kernel([("vm.max_map_count", "3")])
        for i in 0..<3 { #expect(mmap(&m, 4096, i % 2 == 0 ? [.private, .anonymous] : [.shared, .anonymous]) > 0) }
        #expect(mmap(&m, 4096) == -12)
        var a = kernel([("rlimit.as", "1M")])
        #expect(mmap(&a, 1 << 20) > 0)
        #expect(mmap(&a, 4096) == -12)
        var d = kernel([("rlimit.data", "1M")])
        #expect(mmap(&d, 2 << 20, [.shared, .anonymous]) > 0)     // shared: not data
        #expect(mmap(&d, 2 << 20) == -12)
    }

    @Test func alignedAnonymousMappingsOnNewKernels() {
        var k = kernel([("thp.align_anonymous", "1")])
        _ = mmap(&k, 4096)                                     // knock the gap off alignment
        let big = UInt64(mmap(&k, 4 << 20))
        #expect(big & ((2 << 20) - 1) == 0)
        var old = kernel([])
        _ = mmap(&old, 4096)
        #expect(UInt64(mmap(&old, 4 << 20)) & ((2 << 20) - 1) != 0)
    }
}
