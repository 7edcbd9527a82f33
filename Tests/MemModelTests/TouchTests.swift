import Testing
import MemTrace
@testable import MemModel

/// Fault-derived touches (`record --accesses faults`) in the kernel model: they fault pages in as
/// the real kernel did, and a touch the model cannot take as a fault never kills the process.
@Suite struct TouchTests {
    func touch(_ k: inout LinuxKernel, _ kind: AccessKind, _ a: UInt64, _ p: ProcessID = pid) -> Translation {
        k.access(MemoryAccess(kind: kind, address: VirtualAddress(a), size: 1), pid: p)
    }

    @Test func readTouchMapsTheZeroPageAndWriteTouchReplacesIt() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12)
        #expect(touch(&k, .touchLoad, a).fault == .anonZeroPage)
        #expect(touch(&k, .touchStore, a).fault == .zeroPageCopy)
        #expect(touch(&k, .touchStore, a + 0x1000).fault == .anonNew)
        #expect(k.processes[pid]!.rssAnon == 2)
        #expect(k.invariantViolations().isEmpty)
    }

    /// The JVM's implicit null checks and safepoint polls fault on PROT_NONE pages and survive:
    /// such a touch changes nothing and the process lives on.
    @Test func touchOutsideAnyVMAOrForbiddenIsIgnoredNotFatal() {
        var k = makeKernel()
        // (A private anonymous PROT_NONE page would be taken as a reserve glibc unprotected:
        // HiddenMappingTests. A shared one stays forbidden.)
        let guardPage = k.mapAnon(1 << 12, shared: true, prot: [])
        let readOnly = k.mapAnon(1 << 12, prot: [.read])
        #expect(touch(&k, .touchLoad, 0x10).fault == .touchDeferred)   // held for a later mmap (HeldTouchTests)
        #expect(touch(&k, .touchLoad, guardPage).fault == .touchIgnored)
        #expect(touch(&k, .touchStore, readOnly).fault == .touchIgnored)
        #expect(k.processes[pid]!.alive)
        #expect(k.stats.touchesIgnored == 2 && k.stats.segv == 0)
        // An ordinary access there still kills, as before.
        #expect(k.load(guardPage).fault == .segvAccErr)
        #expect(k.processes[pid]?.alive != true)
    }

    @Test func touchBeyondEndOfFileIsIgnored() {
        var k = makeKernel()
        k.openFile(1, size: 4096)
        let a = k.mapFile(1, 4 << 12, shared: true, prot: [.read])
        #expect(touch(&k, .touchLoad, a + 0x2000).fault == .touchIgnored)
        #expect(k.processes[pid]!.alive)
        #expect(touch(&k, .touchLoad, a).fault.isFault)
    }

    /// A fault of unknown direction is a write where the VMA allows writing, else a read.
    @Test func touchAnyFollowsTheVMAsProtection() {
        var k = makeKernel()
        let rw = k.mapAnon(1 << 12)
        let ro = k.mapAnon(1 << 12, prot: [.read])
        #expect(touch(&k, .touchAny, rw).fault == .anonNew)
        #expect(touch(&k, .touchAny, ro).fault == .anonZeroPage)
    }

    /// `vma_needs_copy`: a private file mapping without anonymous pages (text, read-only data)
    /// is not copied at fork, so the child faults its pages in again; one with an anon_vma is.
    @Test func forkCopiesOnlyVMAsWithAnAnonVMA() {
        var k = makeKernel()
        k.openFile(1, size: 8 << 12)
        let text = k.mapFile(1, 8 << 12, shared: false, prot: [.read, .execute])
        let data = k.mapAnon(2 << 12)
        _ = touch(&k, .touchFetch, text)
        _ = touch(&k, .touchStore, data)
        let child = ProcessID(101)
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        #expect(touch(&k, .touchFetch, text, child).fault == .fileMinor)
        #expect(touch(&k, .touchStore, data, child).fault == .cowCopy)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func hardwareModelCountsTouchesWithoutSimulatingThem() {
        var hw = MemoryHierarchy(HardwareConfiguration.cachegrind)
        hw.touched(MemoryAccess(kind: .touchStore, address: VirtualAddress(0x1000), size: 1), asid: 1)
        let m = Dictionary(uniqueKeysWithValues: hw.metrics().map { ($0.name, $0.value) })
        #expect(m["hw.stream_complete"] == 0)
        #expect(m["hw.touches_not_simulated"] == 1)
        #expect(m["cachegrind.Dw"] == 0)
    }
}

/// Touches taken inside a call before the call's own event (a malloc's chunk header on its fresh
/// mmap) wait for that mapping.
@Suite struct HeldTouchTests {
    @Test func touchBeforeItsMmapIsFaultedInByTheMmap() {
        var k = makeKernel()
        let at: UInt64 = 0x7000_0000_0000
        let t = k.access(MemoryAccess(kind: .touchStore, address: VirtualAddress(at + 16), size: 1), pid: pid)
        #expect(t.fault == .touchDeferred)
        _ = k.takeChanges()
        _ = k.mapAnon(1 << 20, at: at)
        let faults = k.takeChanges().compactMap { c -> FaultKind? in if case .fault(_, _, let kind, _, _) = c { kind } else { nil } }
        #expect(faults == [.anonNew])
        #expect(k.processes[pid]!.rssAnon == 1)
        #expect(k.tasks.held.isEmpty)
    }

    @Test func aTouchNoCallMapsIsDroppedAfterItsPatience() {
        var k = makeKernel()
        _ = k.access(MemoryAccess(kind: .touchLoad, address: VirtualAddress(0x10), size: 1), pid: pid)
        for _ in 0...PendingTouch.patience { _ = k.mapAnon(1 << 12) }
        #expect(k.tasks.held.isEmpty)
        #expect(k.stats.touchesIgnored == 1)
        #expect(k.processes[pid]!.alive)
    }
}

/// Mappings made behind the interposer's back: later maps snapshots and PROT_NONE reserves.
@Suite struct HiddenMappingTests {
    /// A later snapshot's region (after dlopen) adds only what is not mapped, keeping the pages of
    /// what is.
    @Test func noReplaceRegionFillsOnlyTheHoles() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12, at: 0x7000_0000_0000)
        _ = k.store(a)
        let r = k.memory(MemoryCall(op: .region, address: VirtualAddress(a - 0x2000), length: 8 << 12, prot: [.read],
                                    flags: MapFlags.private.rawValue | MapFlags.fixedNoReplace.rawValue), pid: pid, name: "")
        #expect(r.result > 0)
        let areas = k.processes[pid]!.space.areas.filter { $0.end > a - 0x2000 && $0.start < a + 0x6000 }
        #expect(areas.map(\.start) == [a - 0x2000, a, a + 0x4000])
        #expect(areas.map(\.prot) == [[.read], [.read, .write], [.read]])
        #expect(k.processes[pid]!.rssAnon == 1)   // the written page survived
        #expect(k.invariantViolations().isEmpty)
    }

    /// A later maps snapshot is the process's state: a mapping of the same file at the same
    /// offsets takes the snapshot's protection (ld.so's internal mprotect) and keeps its pages.
    @Test func snapshotRegionSyncsProtectionOfTheSameBacking() {
        var k = makeKernel()
        k.openFile(1, size: 16 << 12)
        let lib = k.mapFile(1, 16 << 12, shared: false, prot: [.read])
        _ = k.load(lib)
        let flags = MapFlags.private.rawValue | MapFlags.fixedNoReplace.rawValue | MemoryCall.snapshotSync
        _ = k.memory(MemoryCall(op: .region, address: VirtualAddress(lib + 0x4000), length: 8 << 12, prot: [.read, .execute],
                                flags: flags, file: FileID(1), offset: 0x4000), pid: pid, name: "")
        let areas = k.processes[pid]!.space.areas.filter { $0.end > lib && $0.start < lib + (16 << 12) }
        #expect(areas.map(\.prot) == [[.read], [.read, .execute], [.read]])
        #expect(k.processes[pid]!.rssFile >= 1)   // the page read before is still mapped
        // Another file there is not the same backing: left alone.
        k.openFile(2, size: 16 << 12)
        _ = k.memory(MemoryCall(op: .region, address: VirtualAddress(lib), length: 4 << 12, prot: [.read, .write],
                                flags: flags, file: FileID(2), offset: 0), pid: pid, name: "")
        #expect(k.processes[pid]!.space.areas.first { $0.start == lib }?.prot == [.read])
        #expect(k.invariantViolations().isEmpty)
    }

    /// glibc's grow_heap: a touch in a PROT_NONE private anonymous reserve unprotects that page.
    @Test func touchInAProtNoneReserveUnprotectsThePage() {
        var k = makeKernel()
        let heap = k.mapAnon(16 << 12, prot: [])
        let t = k.access(MemoryAccess(kind: .touchStore, address: VirtualAddress(heap + 0x3000), size: 1), pid: pid)
        #expect(t.fault == .anonNew)
        #expect(k.stats.reservesUnprotected == 1)
        #expect(k.processes[pid]!.alive)
        // An ordinary (lackey) access there still faults with SIGSEGV.
        #expect(k.load(heap).fault == .segvAccErr)
    }
}
