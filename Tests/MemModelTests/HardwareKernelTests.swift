import Testing
import MemTrace
@testable import MemModel

/// What the kernel hands the hardware: page-walk frames and TLB invalidations.
@Suite struct HardwareKernelTests {
    @Test func theWalkListsTheRealTableFrames() {
        var k = makeKernel()
        let a = k.mapAnon(1 << 20)
        _ = k.store(a)
        let w = k.pageWalk(pid: pid, address: a)
        #expect(w.count == 4)
        #expect(PageFrameNumber(w[0]) == k.processes[pid]!.table.pgd)
        #expect((0..<4).map { PageFrameNumber(w[$0]) } == k.processes[pid]!.table.walk(a >> 12))
        #expect(k.pageWalk(pid: ProcessID(999), address: a).count == 0)
    }

    @Test func munmapMprotectCOWAndExitQueueInvalidations() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12)
        _ = k.store(a)
        _ = k.takeChanges()
        func invalidations() -> [(UInt64, UInt64)] {
            k.takeChanges().compactMap { if case let .tlbInvalidate(_, f, e) = $0 { (f, e) } else { nil } }
        }
        _ = k.memory(MemoryCall(op: .mprotect, address: VirtualAddress(a), length: 4096, prot: [.read]), pid: pid, name: "")
        #expect(invalidations().map { $0.0 } == [a >> 12])
        _ = k.memory(MemoryCall(op: .mprotect, address: VirtualAddress(a), length: 4096, prot: [.read, .write]), pid: pid, name: "")
        _ = k.takeChanges()
        _ = k.store(a)                                 // write-protect fault (the page is exclusive: reuse)
        #expect(invalidations().map { $0.0 } == [a >> 12])
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a), length: 4 << 12), pid: pid, name: "")
        #expect(invalidations().map { $0.1 - $0.0 } == [4])
        _ = k.process(ProcessEvent(op: .exit), pid: pid, tid: ThreadID(100), image: "")
        #expect(invalidations().count == 1)
    }
}
