import Testing
import MemTrace
@testable import MemModel

/// Overcommit at fork, exec and exit (kernel/fork.c `dup_mmap`), the sysctls as control events,
/// the pre-5.2 mode-0 heuristic, and the invariant that holds the running count to the VMAs.
@Suite struct OvercommitForkTests {
    static let page = Page.size
    static let child = ProcessID(101)

    /// A kernel in `mode` whose process has a written private heap of 60% of CommitLimit.
    static func bigHeap(_ mode: OvercommitPolicy.Mode) -> (LinuxKernel, UInt64, UInt64) {
        var k = overcommitKernel(mode)
        let pages = k.commitLimitPages * 6 / 10
        let a = k.mapAnon(pages * page)
        for i in stride(from: 0, to: pages, by: 64) { _ = k.store(a + i * page) }
        return (k, a, pages)
    }

    @Test func forkChargesEveryAccountedVMAAgainAndExitReturnsIt() {
        var k = overcommitKernel(.guess)
        _ = k.mapAnon(32 * Self.page)
        _ = k.mapAnon(8 * Self.page, prot: [.read])
        let r = k.process(ProcessEvent(op: .fork, process: Self.child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        #expect(!r.failed && r.errno == 0 && k.processes[Self.child] != nil)
        #expect(k.committedPages == 64)
        _ = k.process(ProcessEvent(op: .exit), pid: Self.child, tid: ThreadID(101), image: "")
        #expect(k.committedPages == 32)
        _ = k.process(ProcessEvent(op: .exec), pid: pid, tid: ThreadID(100), image: "/bin/other")
        #expect(k.committedPages == 0 && k.invariantViolations().isEmpty)
    }

    @Test func forkRefusedInModeTwoCreatesNoChildAndLeaksNothing() {
        var (k, a, pages) = OvercommitForkTests.bigHeap(.never)
        let committed = k.committedPages, free = k.frames.freePages, slab = k.frames.pages(of: .slab)
        #expect(committed == pages)
        let r = k.process(ProcessEvent(op: .fork, process: Self.child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        #expect(r.failed && r.errno == Errno.enomem.rawValue && r.pid == Self.child)
        #expect(k.processes[Self.child] == nil && k.tasks.isGone(Self.child) && !k.deadProcesses.contains(Self.child))
        #expect(k.committedPages == committed && k.commit.refusals == 1)
        #expect(k.frames.freePages == free && k.frames.pages(of: .slab) == slab)
        #expect(!k.takeChanges().contains { if case .processStarted = $0 { true } else { false } })
        #expect(k.invariantViolations().isEmpty)
        // copy_page_range had write-protected the heap before the refusal (the heap is the only
        // VMA): the parent's next write takes a write-protect fault and reuses its page.
        #expect(r.pages == 0)
        #expect(k.store(a).fault == .none)
        // The child's later events are those of a process that does not exist.
        #expect(k.store(a, Self.child).fault == .processDead)
        #expect(k.call(.munmap, a, Self.page, p: Self.child) == Errno.enomem.negated)
        #expect(k.process(ProcessEvent(op: .exit), pid: Self.child, tid: ThreadID(101), image: "").pid == Self.child)
        #expect(k.processes[Self.child] == nil && k.invariantViolations().isEmpty)
        // A later spawn of the pid creates it.
        _ = k.process(ProcessEvent(op: .spawn), pid: Self.child, tid: ThreadID(101), image: "/bin/x")
        #expect(k.processes[Self.child] != nil && !k.tasks.isGone(Self.child))
    }

    @Test func aRefusalAfterCopiedVMAsLeavesThemWriteProtected() {
        // Two heaps; the second alone pushes the fork's charge past the limit.
        var k = overcommitKernel(.never)
        let limit = k.commitLimitPages
        let small = k.mapAnon(16 * Self.page)
        for i in 0..<16 { _ = k.store(small + UInt64(i) * Self.page) }
        let big = k.mapAnon(limit / 2 * Self.page, at: small - (limit / 2 + 64) * Self.page)
        _ = k.store(big)
        let r = k.process(ProcessEvent(op: .fork, process: Self.child), pid: pid, tid: ThreadID(100), image: "")
        // VMAs are copied in address order: the big heap (lower) is refused first, so nothing was
        // copied before it.
        #expect(r.failed && r.pages == 0 && k.store(small).fault == .none)
        // With the small heap below, it is copied (write-protected) before the refusal.
        var m = overcommitKernel(.never)
        let low = m.mapAnon(16 * Self.page, at: 0x1000_0000)
        for i in 0..<16 { _ = m.store(low + UInt64(i) * Self.page) }
        _ = m.mapAnon(limit / 2 * Self.page)
        let s = m.process(ProcessEvent(op: .fork, process: Self.child), pid: pid, tid: ThreadID(100), image: "")
        #expect(s.failed && s.pages == 16)
        #expect(m.store(low).fault == .cowReuse && m.stats.pgreuse == 1)
        #expect(m.committedPages == 16 + limit / 2 && m.invariantViolations().isEmpty)
    }

    @Test func modesZeroAndOneLetTheBigForkThrough() {
        for mode in [OvercommitPolicy.Mode.guess, .always] {
            var (k, _, pages) = OvercommitForkTests.bigHeap(mode)
            let r = k.process(ProcessEvent(op: .fork, process: Self.child), pid: pid, tid: ThreadID(100), image: "")
            #expect(!r.failed && k.processes[Self.child] != nil)
            #expect(k.committedPages == 2 * pages && k.committedPages > k.commitLimitPages)
            #expect(k.invariantViolations().isEmpty)
        }
    }

    @Test func vforkSharesTheMMAndChargesNothing() {
        var (k, _, pages) = OvercommitForkTests.bigHeap(.never)
        let r = k.process(ProcessEvent(op: .vfork, process: Self.child), pid: pid, tid: ThreadID(100), image: "")
        #expect(!r.failed && k.processes[Self.child] != nil && k.committedPages == pages)
        _ = k.process(ProcessEvent(op: .exec), pid: Self.child, tid: ThreadID(101), image: "/bin/sh")
        #expect(k.committedPages == pages && k.invariantViolations().isEmpty)
    }

    @Test func sysctlControlEventsChangeThePolicyMidRun() {
        var (k, _, _) = OvercommitForkTests.bigHeap(.guess)
        k.control(ControlEvent(op: .sysctl, value: 2), key: "vm.overcommit_memory", name: "")
        #expect(k.commit.policy.mode == .never && k.sysctls["vm.overcommit_memory"] == 2)
        #expect(k.process(ProcessEvent(op: .fork, process: Self.child), pid: pid, tid: ThreadID(100), image: "").failed)
        // A larger ratio lets it through (CommitLimit 150% of RAM).
        k.control(ControlEvent(op: .sysctl, value: 150), key: "vm.overcommit_ratio", name: "")
        #expect(k.commitLimitPages == k.frames.totalPages * 150 / 100)
        #expect(!k.process(ProcessEvent(op: .fork, process: ProcessID(102)), pid: pid, tid: ThreadID(100), image: "").failed)
        // Out of range: refused by the handler, nothing changes.
        k.control(ControlEvent(op: .sysctl, value: 7), key: "vm.overcommit_memory", name: "")
        #expect(k.commit.policy.mode == .never && k.invariantViolations().isEmpty)
    }

    @Test func modeZeroBeforeFiveTwoWeighsFreeMemory() {
        var k = overcommitKernel(.guess, version: KernelVersion(major: 4, minor: 19))
        #expect(k.commit.legacyHeuristic)
        let m = k.commitMemory()
        let room = m.freePages + m.filePages - m.shmemPages + m.reclaimableSlabPages - m.totalReservePages
        #expect(room < k.frames.totalPages)
        #expect(k.mmapRaw(room * Self.page, [.private, .anonymous]) == Errno.enomem.negated)
        #expect(k.mmapRaw((room - 1) * Self.page, [.private, .anonymous]) > 0)
        // Charged memory is not free memory's concern: a second such mapping passes too (less a
        // margin for the kernel objects the first one took from free memory).
        #expect(k.mmapRaw((room - 64) * Self.page, [.private, .anonymous]) > 0)
        #expect(k.invariantViolations().isEmpty)
        // 6.1's rule lets through anything up to RAM.
        var new = overcommitKernel(.guess)
        #expect(new.mmapRaw(new.frames.totalPages * Self.page, [.private, .anonymous]) > 0)
    }

    @Test func theCheckerCatchesACountThatDrifted() {
        var k = overcommitKernel(.guess)
        _ = k.mapAnon(8 * Self.page)
        #expect(k.invariantViolations().isEmpty)
        k.commit.charge(3)
        #expect(k.invariantViolations().contains { $0.hasPrefix("Committed_AS counts 11 pages but VM_ACCOUNT VMAs hold 8") })
    }
}
