import Testing
import MemTrace
@testable import MemModel

/// The VM subsystem's process table: its operations, its checker catching broken state, and a
/// `ProcessState` copy that leaves no stored property behind.
@Suite struct ProcessTableTests {
    @Test func endKeepsPeaksAndForbidsLaterUse() {
        var k = makeKernel()
        let base = k.mapAnon(8 << 12)
        for i in 0..<8 { _ = k.store(base + UInt64(i) << 12) }
        _ = k.process(ProcessEvent(op: .exit, status: 3), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.tasks[pid] == nil)
        #expect(k.tasks.hasEnded(pid))
        #expect(k.tasks.peaks[pid]?.hwm == 8)
        // A later event of the ended process is ignored, and it is not re-created.
        _ = k.store(base)
        #expect(k.tasks[pid] == nil)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations())")
        // A spawn of the same pid makes it live again.
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/true")
        #expect(k.tasks[pid]?.alive == true && !k.tasks.hasEnded(pid))
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations())")
    }

    @Test func vmaNumbersAreUniqueAcrossAFork() {
        var k = makeKernel()
        _ = k.mapAnon(8 << 12)
        _ = k.mapAnon(8 << 12, shared: true)
        _ = k.process(ProcessEvent(op: .fork, process: ProcessID(101), thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        let ids = k.processes.values.flatMap { $0.space.areas.map(\.id) }
        #expect(ids.count == 4 && Set(ids).count == 4)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations())")
    }

    @Test func aVMANumberUsedTwiceIsCaught() {
        var k = makeKernel()
        _ = k.mapAnon(8 << 12)
        _ = k.process(ProcessEvent(op: .fork, process: ProcessID(101), thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        let parentID = k.tasks[pid]!.space.areas[0].id
        k.tasks[ProcessID(101)]!.space.update(0) { $0.id = parentID }
        #expect(k.invariantViolations().contains { $0.contains("VMA number \(parentID.rawValue) used twice") })
    }

    @Test func aLiveProcessMarkedDeadIsCaught() {
        var k = makeKernel()
        _ = k.mapAnon(8 << 12)
        #expect(k.invariantViolations().isEmpty)
        k.tasks[pid]!.alive = false
        #expect(k.invariantViolations().contains { $0.contains("pid \(pid) is live but marked dead") })
    }

    @Test func heldTouchesAreBoundedAndChecked() {
        var table = ProcessTable()
        for i in 0..<(PendingTouch.capacity + 3) {
            let kept = table.hold(PendingTouch(vpn: UInt64(i), write: false, exec: false, age: 0), for: pid)
            #expect(kept == (i < PendingTouch.capacity))
        }
        #expect(table.heldCount == UInt64(PendingTouch.capacity))
        #expect(table.held[pid]?.first?.vpn == 3)
        #expect(table.invariantViolations().isEmpty)
        _ = table.hold(PendingTouch(vpn: 1, write: true, exec: false, age: PendingTouch.patience + 1), for: ProcessID(7))
        #expect(table.invariantViolations().contains { $0.contains("past its patience") })
        #expect(table.takeHeld(ProcessID(7))?.count == 1)
        #expect(table.invariantViolations().isEmpty)
    }

    /// `ProcessState.copy()` lists its properties by hand: every stored property of a changed
    /// process must come out equal in the copy (Mirror sees each one, so a new property that
    /// `copy()` forgets fails here).
    @Test func processCopyCarriesEveryStoredProperty() {
        var k = makeKernel()
        let base = k.mapAnon(8 << 12)
        for i in 0..<4 { _ = k.store(base + UInt64(i) << 12) }
        _ = k.memory(MemoryCall(op: .brk, address: VirtualAddress(0x60_0000)), pid: pid, name: "")
        let p = k.tasks[pid]!
        p.threads.insert(ThreadID(100)); p.oomScoreAdj = 500; p.exitStatus = 9; p.parent = ProcessID(1); p.image = "/bin/x"
        p.hiwaterVM = 77; p.startBrk = 0x50_0000; p.brk = 0x60_0000; p.mmapBase = 0x7000_0000
        let c = p.copy()
        #expect(c !== p)
        let original = Mirror(reflecting: p).children, copied = Mirror(reflecting: c).children
        #expect(original.count == copied.count && original.count >= 16)
        for (a, b) in zip(original, copied) {
            #expect(a.label == b.label)
            #expect(String(describing: a.value) == String(describing: b.value), "property \(a.label ?? "?") not copied")
        }
    }
}
