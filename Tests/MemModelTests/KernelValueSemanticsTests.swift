import Testing
import MemTrace
@testable import MemModel

/// A copy of the kernel model is a separate kernel: its processes are cloned before either copy
/// changes (`LinuxKernel.ensureUniqueState`), and the frames were already copy-on-write.
@Suite struct KernelValueSemanticsTests {
    @Test func faultsInACopyLeaveTheOriginalUnchanged() {
        var original = makeKernel()
        let base = original.mapAnon(64 << 12)
        let before = original.metrics().map(\.value)
        var copy = original
        for i in 0..<16 { _ = copy.store(base + UInt64(i) << 12) }
        #expect(copy.processes[pid]!.rssAnon == 16)
        #expect(original.processes[pid]!.rssAnon == 0)
        #expect(original.processes[pid]!.table.allEntries.isEmpty)
        #expect(original.metrics().map(\.value) == before)
        #expect(original.invariantViolations().isEmpty, "\(original.invariantViolations())")
        #expect(copy.invariantViolations().isEmpty, "\(copy.invariantViolations())")
    }

    @Test func changesToTheOriginalDoNotReachTheCopy() {
        var original = makeKernel()
        let base = original.mapAnon(32 << 12)
        for i in 0..<8 { _ = original.store(base + UInt64(i) << 12) }
        let copy = original
        // Unmap half, fork and exit in the original: the copy keeps its VMA, pages and process.
        _ = original.memory(MemoryCall(op: .munmap, address: VirtualAddress(base), length: 16 << 12), pid: pid, name: "")
        _ = original.process(ProcessEvent(op: .fork, process: ProcessID(101), thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        _ = original.process(ProcessEvent(op: .exit), pid: pid, tid: ThreadID(100), image: "")
        #expect(copy.processes[pid]!.alive)
        #expect(copy.processes[ProcessID(101)] == nil)
        #expect(copy.processes[pid]!.rssAnon == 8)
        #expect(copy.processes[pid]!.space.areas.contains { $0.start == base && $0.end == base + (32 << 12) })
        #expect(copy.invariantViolations().isEmpty, "\(copy.invariantViolations())")
        #expect(original.invariantViolations().isEmpty, "\(original.invariantViolations())")
    }

    @Test func bothCopiesGoOnIndependently() {
        var a = makeKernel()
        let base = a.mapAnon(8 << 12, shared: true)
        _ = a.store(base)
        var b = a
        _ = a.store(base + 4096)
        _ = b.memory(MemoryCall(op: .munmap, address: VirtualAddress(base), length: 8 << 12), pid: pid, name: "")
        #expect(a.processes[pid]!.rssShmem == 2)
        #expect(b.processes[pid]!.rssShmem == 0)
        #expect(a.cache.shmem.count == 1 && b.cache.shmem.isEmpty)
        #expect(a.invariantViolations().isEmpty, "\(a.invariantViolations())")
        #expect(b.invariantViolations().isEmpty, "\(b.invariantViolations())")
    }
}

/// The cross-structure references `invariantViolations()` checks: broken on purpose, caught.
@Suite struct KernelReferenceInvariantTests {
    @Test func aBrokenShmemReferenceCountIsCaught() {
        var k = makeKernel()
        let base = k.mapAnon(4 << 12, shared: true)
        _ = k.store(base)
        #expect(k.invariantViolations().isEmpty)
        let object = k.cache.shmem.keys.first!
        k.cache.miscountMappings(of: object, by: 1)
        #expect(k.invariantViolations().contains { $0.contains("shmem object \(object) counts 2 VMAs but 1 VMAs map it") })
    }

    @Test func anObjectOutlivingItsVMAsIsCaught() {
        var k = makeKernel()
        let base = k.mapAnon(4 << 12, shared: true)
        _ = k.store(base)
        let object = k.cache.shmem.keys.first!
        // A missed decrement at unmap leaves the object (and its frames) behind.
        k.cache.miscountMappings(of: object, by: 1)
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base), length: 4 << 12), pid: pid, name: "")
        #expect(k.invariantViolations().contains { $0.contains("shmem object \(object) counts 1 VMAs but 0 VMAs map it") })
        #expect(k.cache.shmem[object] != nil)
    }

    @Test func dirtyPagesOutsideTheCacheAreCaught() {
        var k = makeKernel()
        k.openFile(3, size: 8 << 12)
        #expect(k.invariantViolations().isEmpty)
        k.cache.forceDirty(FileID(3), 5)
        #expect(k.invariantViolations().contains { $0.contains("dirty pages not in the page cache") })
    }
}
