import Testing
import MemTrace
@testable import MemModel

@Suite struct ForkTests {
    @Test func childWritingHalfCopiesExactlyHalfAndParentReusesAfterExit() {
        var k = makeKernel()
        let n = 64
        let a = k.mapAnon(UInt64(n) << 12)
        for i in 0..<n { _ = k.store(a + UInt64(i) << 12) }
        let child = ProcessID(101)
        let r = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        #expect(r.pid == child && r.pages == UInt64(n))
        #expect(k.processes[child]!.rssAnon == UInt64(n))
        #expect(k.frames.pages(of: .anonymous) == UInt64(n))        // shared, not copied
        var copies = 0
        for i in 0..<(n / 2) where k.store(a + UInt64(i) << 12, child).fault == .cowCopy { copies += 1 }
        #expect(copies == n / 2)
        #expect(k.processes[pid]!.rssAnon == UInt64(n))
        #expect(k.frames.pages(of: .anonymous) == UInt64(n + n / 2))
        #expect(k.invariantViolations().isEmpty)
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(101), image: "")
        #expect(k.frames.pages(of: .anonymous) == UInt64(n))
        var reuses = 0
        for i in 0..<n {
            let f = k.store(a + UInt64(i) << 12).fault
            if f == .cowReuse { reuses += 1 }
            #expect(f != .cowCopy)
        }
        // The first half was copied by the child, so the parent's pages there are exclusive but
        // still write-protected (reuse); the second half became exclusive when the child exited.
        #expect(reuses == n)
        #expect(k.stats.pgreuse == UInt64(n))
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func sharedMappingsAreNotCopiedAtFork() {
        var k = makeKernel()
        let a = k.mapAnon(8 << 12, shared: true)
        for i in 0..<8 { _ = k.store(a + UInt64(i) << 12) }
        let child = ProcessID(102)
        _ = k.process(ProcessEvent(op: .fork, process: child), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.processes[child]!.rssShmem == 0)
        #expect(k.store(a, child).fault == .shmemMinor)            // same page, seen by the child
        #expect(k.frames.pages(of: .shmem) == 8)
        _ = k.process(ProcessEvent(op: .exit), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.frames.pages(of: .shmem) == 8)                   // the child still maps it
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(102), image: "")
        #expect(k.frames.pages(of: .shmem) == 0)
        #expect(k.frames.freePages + k.frames.pages(of: .slab) == k.frames.totalPages)   // slab pages stay cached
    }

    @Test func aDeadProcessForksNoChildAndTheChildsEventsAreIgnored() {
        var k = makeKernel()
        let a = k.mapAnon(8 << 12)
        for i in 0..<8 { _ = k.store(a + UInt64(i) << 12) }
        _ = k.process(ProcessEvent(op: .exit), pid: pid, tid: ThreadID(100), image: "")
        _ = k.takeChanges()
        let child = ProcessID(103)
        let r = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(103)), pid: pid, tid: ThreadID(100), image: "")
        #expect(r.pid == child && r.errno == Errno.esrch.rawValue && r.pages == 0)
        #expect(k.processes[child] == nil && k.tasks.isGone(child))
        // The child's events (the recorded run had it) start no orphan process.
        _ = k.store(a, child)
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(103), image: "")
        #expect(k.processes[child] == nil)
        #expect(!k.takeChanges().contains { if case .processStarted = $0 { true } else { false } })
        #expect(k.invariantViolations().isEmpty)
    }
}
