import Testing
import MemTrace
@testable import MemModel

/// The OOM killer in the kernel model: an allocation that fails where direct reclaim would start
/// kills the process `oom_badness` chooses, logs the kill as the kernel does, and is tried again
/// unless the allocating task was the victim.
@Suite struct OOMKillTests {
    @Test func anonymousMemoryBeyondRAMWithoutSwapKillsTheBiggest() {
        var k = makeKernel(memory: 64 << 20)
        let other = ProcessID(200)
        _ = k.process(ProcessEvent(op: .spawn), pid: other, tid: ThreadID(200), image: "/bin/small")
        let small = k.mapAnon(8 << 20, p: other)
        for i in 0..<2048 { _ = k.store(small + UInt64(i) << 12, other) }
        k.control(ControlEvent(op: .sysctl, value: 1), key: "vm.overcommit_memory", name: "")
        let big = k.mapAnon(128 << 20)
        var last: Translation?
        for i in 0..<32_768 where k.processes[pid]?.alive == true { last = k.store(big + UInt64(i) << 12) }
        #expect(last?.fault == .oom)
        #expect(k.oomKills.count == 1)
        let kill = k.oomKills[0]
        #expect(kill.victim.pid == pid && kill.invoker.pid == pid)
        #expect(kill.candidates.map(\.0.pid) == [pid, other])
        #expect(kill.victimPoints > kill.candidates[1].1!)
        #expect(kill.logLines().first == "test invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0")
        #expect(kill.logLines().last!.hasPrefix("Out of memory: Killed process 100 (test) total-vm:"))
        #expect(k.stats.oomKill == 1)
        #expect(k.processes[other]?.alive == true)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func oomScoreAdjustmentPicksTheSmallerProcessAndTheAllocationGoesOn() {
        var k = makeKernel(memory: 64 << 20)
        let other = ProcessID(200)
        _ = k.process(ProcessEvent(op: .spawn), pid: other, tid: ThreadID(200), image: "/bin/victim")
        k.control(ControlEvent(op: .oomScoreAdj, value: 1000, target: other), key: "", name: "")
        k.control(ControlEvent(op: .sysctl, value: 1), key: "vm.overcommit_memory", name: "")
        let small = k.mapAnon(16 << 20, p: other)
        for i in 0..<4096 { _ = k.store(small + UInt64(i) << 12, other) }
        let big = k.mapAnon(128 << 20)
        var stored = 0
        for i in 0..<32_768 where k.processes[pid]?.alive == true {
            if k.store(big + UInt64(i) << 12).fault == .anonNew { stored += 1 }
        }
        // The victim (adj 1000) went first; its 16 MiB let the big process go on before it died too.
        #expect(k.oomKills.first?.victim.pid == other)
        #expect(k.oomKills.first?.invoker.pid == pid)
        #expect(k.oomKills.count == 2)
        #expect(stored > 10_000)
        #expect(k.processes[other] == nil)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func oomScoreAdjMinusThousandIsNeverChosen() {
        var k = makeKernel(memory: 64 << 20)
        k.control(ControlEvent(op: .oomScoreAdj, value: -1000, target: pid), key: "", name: "")
        k.control(ControlEvent(op: .sysctl, value: 1), key: "vm.overcommit_memory", name: "")
        let big = k.mapAnon(128 << 20)
        var last: Translation?
        for i in 0..<32_768 where k.processes[pid]?.alive == true { last = k.store(big + UInt64(i) << 12) }
        // Nobody killable: the kernel would panic ("System is deadlocked on memory"); the model
        // fails the fault, killing the faulting task, without an OOM-killer kill.
        #expect(last?.fault == .oom)
        #expect(k.oomKills.isEmpty)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }
}
