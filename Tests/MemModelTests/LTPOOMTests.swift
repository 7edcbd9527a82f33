import Testing
import MemTrace
@testable import MemModel

/// LTP's oom01 (testcases/kernel/mem/oom/oom01.c with oom.h's `oom()`/`testoom()`) replayed in
/// the kernel model. The test process protects itself (`tst_enable_oom_protection`: adj −1000),
/// forks a child that drops the protection and runs `child_alloc_thread`: `alloc_mem(LENGTH)` in
/// a loop — mmap(LENGTH, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS), mlock it for the MLOCK
/// case, write one byte per page — until a call fails, then exit(errno). oom01 expects: under
/// overcommit 2 the child exits with ENOMEM and a SIGKILL is a failure; under 0 and 1 ENOMEM or
/// SIGKILL (`allow_sigkill`). LENGTH is 3 GiB there; here the machine is 256 MiB without swap and
/// LENGTH 48 MiB (3G on a 16G box, scaled), so mode 2's CommitLimit (128 MiB) refuses the third
/// mapping and modes 0 and 1 allow every mapping (each is below RAM + swap) until memory runs out.
///
/// oom02 (MPOL_BIND/INTERLEAVE/PREFERRED), oom04 (cpuset) and oom05 (cpuset + memcg) run on a
/// NUMA machine in `LTPOOMNumaTests`; oom03 (memcg) in `MemcgTests`. Not modelled: oom.h's KSM
/// case (MADV_MERGEABLE merges nothing in the model).
@Suite struct LTPOOMTests {
    enum Outcome: Equatable { case exited(Int32), killed }
    enum Testcase { case normal, mlock }

    static let length: UInt64 = 48 << 20
    static let parent = ProcessID(300), child = ProcessID(301)

    /// `oom(testcase, lite = 0, …)` under vm.overcommit_memory = `mode`: the child's outcome and
    /// the kernel after it.
    static func run(mode: Int64, _ testcase: Testcase) -> (Outcome, LinuxKernel, mappings: Int) {
        var c = MachineConfiguration(name: "ltp", memoryBytes: 256 << 20, kernelReservedBytes: 1 << 20)
        try! c.set("vm.overcommit_memory", String(mode))
        // LTP runs as root: CAP_IPC_LOCK lifts RLIMIT_MEMLOCK for mlock (`do_mlock`); the model
        // has no capability for it, so the limit is lifted instead.
        try! c.set("rlimit.memlock", "unlimited")
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: parent, tid: ThreadID(300), image: "/opt/ltp/testcases/bin/oom01")
        k.control(ControlEvent(op: .oomScoreAdj, value: -1000, target: parent), key: "", name: "")
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(301)), pid: parent, tid: ThreadID(300), image: "")
        k.control(ControlEvent(op: .oomScoreAdj, value: 0, target: child), key: "", name: "")
        var mappings = 0
        while true {
            let r = k.memory(MemoryCall(op: .mmap, length: length, prot: [.read, .write],
                                        flags: MapFlags([.private, .anonymous]).rawValue), pid: child, name: "")
            if r.result < 0 { return (.exited(r.errno), k, mappings) }
            mappings += 1
            let s = UInt64(r.result)
            if testcase == .mlock {
                let m = k.memory(MemoryCall(op: .mlock, address: VirtualAddress(s), length: length), pid: child, name: "")
                if k.processes[child]?.alive != true { return (.killed, k, mappings) }
                if m.result < 0 { return (.exited(m.errno), k, mappings) }
            }
            var a = s
            while a < s + length {
                _ = k.store(a, child)
                if k.processes[child]?.alive != true { return (.killed, k, mappings) }
                a += 4096
            }
            if mappings > 64 { return (.exited(0), k, mappings) }      // never: memory is finite
        }
    }

    /// overcommit_memory 2: "we expect mmap to fail before OOM is hit" — ENOMEM, no kill.
    @Test(arguments: [Testcase.normal, .mlock]) func overcommitNeverFailsTheMmapWithENOMEM(testcase: Testcase) {
        let (outcome, k, mappings) = LTPOOMTests.run(mode: 2, testcase)
        #expect(outcome == .exited(Errno.enomem.rawValue))
        #expect(mappings == 2)                       // 96 MiB charged; 144 MiB > CommitLimit 127 MiB
        #expect(k.oomKills.isEmpty)
        #expect(k.commit.refusals >= 1)
        #expect(k.processes[LTPOOMTests.child]?.alive == true)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// overcommit_memory 0 and 1: every 48 MiB mapping is allowed, the writes exhaust memory and
    /// the OOM killer sends the child SIGKILL; the protected parent is never a candidate.
    @Test(arguments: [(Int64(0), Testcase.normal), (1, .normal), (1, .mlock)])
    func heuristicAndAlwaysOvercommitEndInSIGKILL(mode: Int64, testcase: Testcase) {
        let (outcome, k, mappings) = LTPOOMTests.run(mode: mode, testcase)
        #expect(outcome == .killed)
        #expect(mappings >= 5)                       // 256 MiB of RAM: the fifth or sixth mapping
        #expect(k.oomKills.count == 1)
        let kill = k.oomKills[0]
        #expect(kill.victim.pid == LTPOOMTests.child)
        #expect(kill.candidates.contains { $0.0.pid == LTPOOMTests.parent && $0.1 == nil })   // adj −1000: LONG_MIN
        #expect(k.processes[LTPOOMTests.parent]?.alive == true)
        // The child's anonymous memory at the kill: everything it wrote but what reclaim could not
        // keep (no swap: nothing of it was reclaimable).
        #expect(kill.victim.rssAnon * 4096 > UInt64(mappings - 1) * LTPOOMTests.length)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }
}
