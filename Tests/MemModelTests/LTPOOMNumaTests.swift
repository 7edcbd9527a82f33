import Testing
import MemTrace
@testable import MemModel

/// LTP's oom02 (MPOL_BIND/INTERLEAVE/PREFERRED), oom04 (cpuset) and oom05 (cpuset + memcg)
/// (testcases/kernel/mem/oom/oom0{2,4,5}.c with oom.h's `testoom()`/`oom()`) replayed in the
/// kernel model on a NUMA machine, as `LTPOOMTests` does oom01.
///
/// `testoom(mempolicy, lite, ENOMEM, allow_sigkill = 1)`: `set_global_mempolicy` gives the test
/// process the policy (MPOL_BIND: the second allowed node; INTERLEAVE and PREFERRED: the second
/// and third, and they are skipped on a two-node machine), then `oom()` protects it (adj −1000)
/// and forks a child that inherits the policy and cpuset, drops the protection and mmaps and
/// writes LENGTH at a time until a call fails (exit(errno)) or it is killed. All three tests set
/// vm.overcommit_memory = 1 (`save_restore`) and pass on ENOMEM or SIGKILL. oom04 and oom05 put
/// the test process in a cpuset whose mems are the first memory node (`write_cpusets`); oom05
/// also sets the cgroup's memory.max to TESTMEM.
///
/// Scaled machine: 512 MiB split evenly into two (or three) nodes, LENGTH 32 MiB (3 GiB there),
/// TESTMEM 64 MiB (1 GiB there). This host has one NUMA node, so these outcomes cannot be
/// compared with the real kernel here (LTP itself answers TCONF "The case need a NUMA system");
/// the expectations are LTP's and the kernel sources' (`constrained_alloc`, `oom_cpuset_eligible`).
@Suite struct LTPOOMNumaTests {
    enum Outcome: Equatable { case exited(Int32), killed }
    enum Testcase { case normal, mlock }

    static let length: UInt64 = 32 << 20
    static let parent = ProcessID(300), child = ProcessID(301)

    /// A 512 MiB machine of `nodes` equal nodes under vm.overcommit_memory `mode`.
    static func machine(nodes: Int = 2, mode: Int64 = 1, _ more: [(String, String)] = []) -> MachineConfiguration {
        var c = MachineConfiguration(name: "ltp-numa", memoryBytes: 512 << 20, kernelReservedBytes: 4 << 20)
        try! c.set("nodes", String(nodes)); try! c.set("numa_split", "even")
        try! c.set("vm.overcommit_memory", String(mode))
        try! c.set("rlimit.memlock", "unlimited")       // LTP runs as root (CAP_IPC_LOCK)
        for (k, v) in more { try! c.set(k, v) }
        return c
    }

    /// `oom(testcase, lite)` after `setup` has run on `k`: the child's outcome and the kernel.
    static func oom(_ k0: LinuxKernel, _ testcase: Testcase, lite: Bool = false) -> (Outcome, LinuxKernel) {
        var k = k0
        k.control(ControlEvent(op: .oomScoreAdj, value: -1000, target: parent), key: "", name: "")
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(301)), pid: parent, tid: ThreadID(300), image: "")
        k.control(ControlEvent(op: .oomScoreAdj, value: 0, target: child), key: "", name: "")
        var mappings = 0
        while mappings <= 64 {
            let len = lite ? 2 * 64 << 20 + (1 << 20) : length         // lite: TESTMEM * 2 + MB once
            let r = k.memory(MemoryCall(op: .mmap, length: len, prot: [.read, .write],
                                        flags: MapFlags([.private, .anonymous]).rawValue), pid: child, name: "")
            if r.result < 0 { return (.exited(r.errno), k) }
            mappings += 1
            let s = UInt64(r.result)
            if testcase == .mlock {
                let m = k.memory(MemoryCall(op: .mlock, address: VirtualAddress(s), length: len), pid: child, name: "")
                if k.processes[child]?.alive != true { return (.killed, k) }
                if m.result < 0 { return (.exited(m.errno), k) }
            }
            var a = s
            while a < s + len {
                _ = k.store(a, child)
                if k.processes[child]?.alive != true { return (.killed, k) }
                a += 4096
            }
            if lite { return (.exited(0), k) }
        }
        return (.exited(0), k)
    }

    /// The test process with `set_global_mempolicy(mode)`'s policy.
    static func withPolicy(_ c: MachineConfiguration, mode: MempolicyMode, nodes: [Int]) -> LinuxKernel {
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: parent, tid: ThreadID(300), image: "/opt/ltp/testcases/bin/oom02")
        let r = k.memory(MemoryCall(op: .setMempolicy, flags: mode.rawValue, offset: NodeMask(nodes).bits), pid: parent, name: "")
        precondition(r.result == 0, "set_mempolicy: \(r.result)")
        return k
    }

    /// Free pages (buddy and per-CPU) of node `n`.
    static func freePages(_ k: LinuxKernel, node n: Int) -> UInt64 {
        k.frames.nodeZones[n].reduce(0) { $0 + k.frames.zoneFreePages($1) }
    }
    static func managed(_ k: LinuxKernel, node n: Int) -> UInt64 {
        k.frames.nodeZones[n].reduce(0) { $0 + k.frames.zoneInfo[$1].managed }
    }
    static func present(_ k: LinuxKernel, node n: Int) -> UInt64 {
        k.frames.nodeZones[n].reduce(0) { $0 + k.frames.zoneInfo[$1].layout.present }
    }

    /// oom02, MPOL_BIND to node 1: the child is SIGKILLed once node 1 is full while node 0 stays
    /// free; the OOM is CONSTRAINT_MEMORY_POLICY with nodemask=1, weighed against node 1's
    /// present pages, and the protected parent (bound there too) is not a victim.
    @Test(arguments: [Testcase.normal, .mlock]) func bindKillsWhenItsNodeIsFull(testcase: Testcase) throws {
        let k0 = LTPOOMNumaTests.withPolicy(LTPOOMNumaTests.machine(), mode: .bind, nodes: [1])
        let free0 = LTPOOMNumaTests.freePages(k0, node: 0)
        let (outcome, k) = LTPOOMNumaTests.oom(k0, testcase)
        #expect(outcome == .killed)
        #expect(k.oomKills.count == 1)
        let kill = try #require(k.oomKills.first)
        #expect(kill.constraint == .memoryPolicy && kill.nodemask == NodeMask([1]))
        #expect(kill.totalPages == LTPOOMNumaTests.present(k, node: 1))
        #expect(kill.victim.pid == LTPOOMNumaTests.child)
        // The child held node 1: all of it but the watermark reserve and its page tables.
        #expect(kill.victim.rssAnon > LTPOOMNumaTests.managed(k, node: 1) * 90 / 100, "\(kill.victim.rssAnon)")
        // Node 0 kept (nearly) all its free memory: nothing of the child's went there.
        #expect(LTPOOMNumaTests.freePages(k0, node: 0) == free0)
        #expect(free0 > LTPOOMNumaTests.managed(k, node: 0) * 90 / 100)
        let summary = try #require(kill.logLines().first { $0.hasPrefix("oom-kill:") })
        #expect(summary == "oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=1,cpuset=/,mems_allowed=0-1,global_oom,task_memcg=/,task=oom02,pid=301,uid=0")
        #expect(k.processes[LTPOOMNumaTests.parent]?.alive == true)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// oom02's MPOL_BIND under overcommit 2 (oom01's expectation, LTP's `testoom(…, ENOMEM, …)`):
    /// with CommitLimit below the node's size the mmap fails with ENOMEM before the node fills.
    @Test func bindUnderOvercommitNeverFailsTheMmap() {
        let c = LTPOOMNumaTests.machine(mode: 2, [("vm.overcommit_ratio", "25")])
        let (outcome, k) = LTPOOMNumaTests.oom(LTPOOMNumaTests.withPolicy(c, mode: .bind, nodes: [1]), .normal)
        #expect(outcome == .exited(Errno.enomem.rawValue))
        #expect(k.oomKills.isEmpty && k.commit.refusals >= 1)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// oom02's MPOL_BIND under overcommit 0: each mapping passes the heuristic; SIGKILL.
    @Test func bindUnderHeuristicOvercommitIsKilled() throws {
        let (outcome, k) = LTPOOMNumaTests.oom(LTPOOMNumaTests.withPolicy(LTPOOMNumaTests.machine(mode: 0), mode: .bind, nodes: [1]), .normal)
        #expect(outcome == .killed)
        #expect(try #require(k.oomKills.first).constraint == .memoryPolicy)
    }

    /// oom02's MPOL_INTERLEAVE and MPOL_PREFERRED on nodes 1 and 2 of a three-node machine
    /// (LTP skips them with two nodes): neither restricts the nodes (`policy_nodemask` is NULL),
    /// so the child fills every node and the OOM is CONSTRAINT_NONE over all of RAM.
    @Test(arguments: [MempolicyMode.interleave, .preferred]) func interleaveAndPreferredFillEveryNode(mode: MempolicyMode) throws {
        let (outcome, k) = LTPOOMNumaTests.oom(LTPOOMNumaTests.withPolicy(LTPOOMNumaTests.machine(nodes: 3), mode: mode, nodes: [1, 2]), .normal)
        #expect(outcome == .killed)
        let kill = try #require(k.oomKills.first)
        #expect(kill.constraint == .none && kill.nodemask == nil && kill.totalPages == k.frames.totalPages)
        let total = (0..<3).reduce(UInt64(0)) { $0 + LTPOOMNumaTests.managed(k, node: $1) }
        #expect(kill.victim.rssAnon > total * 90 / 100, "\(kill.victim.rssAnon) of \(total)")
        #expect(kill.logLines().contains { $0.hasPrefix("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0-2,") })
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// The test process of oom04/oom05 in cgroup "ltp" with cpuset.mems = the first memory node
    /// (`write_cpusets` + cgroup.procs), and memory.max when given.
    static func inCpuset(_ c: MachineConfiguration, memoryMax: Int64? = nil, image: String) -> LinuxKernel {
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: parent, tid: ThreadID(300), image: image)
        k.control(ControlEvent(op: .cgroupLimit, value: Int64(NodeMask([0]).bits), target: parent), key: "cpuset.mems", name: "/ltp")
        if let max = memoryMax {
            k.control(ControlEvent(op: .cgroupLimit, value: max, target: parent), key: "memory.max", name: "/ltp")
        }
        return k
    }

    /// oom04: the cpuset allows node 0 only; the child is SIGKILLed when node 0 is full, node 1
    /// untouched; CONSTRAINT_CPUSET with nodemask=(null), cpuset=ltp, mems_allowed=0, totalpages
    /// node 0's present pages.
    @Test(arguments: [Testcase.normal, .mlock]) func cpusetKillsWhenItsMemsAreFull(testcase: Testcase) throws {
        let k0 = LTPOOMNumaTests.inCpuset(LTPOOMNumaTests.machine(), image: "/opt/ltp/testcases/bin/oom04")
        let free1 = LTPOOMNumaTests.freePages(k0, node: 1)
        let (outcome, k) = LTPOOMNumaTests.oom(k0, testcase)
        #expect(outcome == .killed)
        let kill = try #require(k.oomKills.first)
        #expect(k.oomKills.count == 1 && kill.victim.pid == LTPOOMNumaTests.child)
        #expect(kill.constraint == .cpuset && kill.nodemask == nil)
        #expect(kill.totalPages == LTPOOMNumaTests.present(k, node: 0))
        #expect(LTPOOMNumaTests.freePages(k, node: 1) == free1)
        #expect(kill.victim.rssAnon > LTPOOMNumaTests.managed(k, node: 0) * 90 / 100, "\(kill.victim.rssAnon)")
        let summary = try #require(kill.logLines().first { $0.hasPrefix("oom-kill:") })
        #expect(summary == "oom-kill:constraint=CONSTRAINT_CPUSET,nodemask=(null),cpuset=ltp,mems_allowed=0,global_oom,task_memcg=/,task=oom04,pid=301,uid=0")
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// A process outside the cpuset whose mems do not meet the invoker's is no candidate
    /// (`oom_cpuset_eligible`): a big process bound by its own cpuset to node 1 is not killed.
    @Test func tasksOfOtherNodesAreNotCandidates() throws {
        var k = LTPOOMNumaTests.inCpuset(LTPOOMNumaTests.machine(), image: "/opt/ltp/testcases/bin/oom04")
        let other = ProcessID(400)
        _ = k.process(ProcessEvent(op: .spawn), pid: other, tid: ThreadID(400), image: "/usr/bin/big")
        k.control(ControlEvent(op: .cgroupLimit, value: Int64(NodeMask([1]).bits), target: other), key: "cpuset.mems", name: "/far")
        let base = k.mapAnon(128 << 20, p: other)
        for a in stride(from: base, to: base + (128 << 20), by: 4096) { _ = k.store(a, other) }
        let (outcome, after) = LTPOOMNumaTests.oom(k, .normal)
        #expect(outcome == .killed)
        let kill = try #require(after.oomKills.first)
        #expect(kill.victim.pid == LTPOOMNumaTests.child)
        #expect(!kill.candidates.contains { $0.0.pid == other })
        #expect(after.processes[other]?.alive == true)
    }

    /// oom05: cpuset node 0 and memory.max = TESTMEM: the cgroup's limit is reached first, so the
    /// memcg OOM killer (CONSTRAINT_MEMCG) kills the child, its summary naming the cpuset; the
    /// lite run (one TESTMEM·2 + 1 MiB mapping) ends the same way.
    @Test(arguments: [false, true]) func cpusetAndMemcgKillAtTheLimit(lite: Bool) throws {
        let k0 = LTPOOMNumaTests.inCpuset(LTPOOMNumaTests.machine(), memoryMax: 64 << 20, image: "/opt/ltp/testcases/bin/oom05")
        let (outcome, k) = LTPOOMNumaTests.oom(k0, .normal, lite: lite)
        #expect(outcome == .killed)
        let kill = try #require(k.oomKills.first)
        #expect(kill.constraint == .memcg(path: "/ltp") && kill.victim.pid == LTPOOMNumaTests.child)
        #expect((16_000...16_384).contains(kill.victim.rssAnon), "\(kill.victim.rssAnon)")
        let summary = try #require(kill.logLines().first { $0.hasPrefix("oom-kill:") })
        #expect(summary == "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=ltp,mems_allowed=0,oom_memcg=/ltp,task_memcg=/ltp,task=oom05,pid=301,uid=0")
        // Every page the child had came from node 0.
        #expect(LTPOOMNumaTests.freePages(k, node: 1) == LTPOOMNumaTests.freePages(k0, node: 1))
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// The `numa-2x1g` preset runs oom02's MPOL_BIND at full size: 1 GiB nodes, 256 MiB mappings.
    @Test func bindOnTheNuma2x1gPreset() throws {
        var c = try MachineConfiguration.resolve("numa-2x1g")
        try c.set("vm.overcommit_memory", "1")
        let k0 = LTPOOMNumaTests.withPolicy(c, mode: .bind, nodes: [1])
        var k = k0
        k.control(ControlEvent(op: .oomScoreAdj, value: -1000, target: LTPOOMNumaTests.parent), key: "", name: "")
        _ = k.process(ProcessEvent(op: .fork, process: LTPOOMNumaTests.child, thread: ThreadID(301)), pid: LTPOOMNumaTests.parent, tid: ThreadID(300), image: "")
        k.control(ControlEvent(op: .oomScoreAdj, value: 0, target: LTPOOMNumaTests.child), key: "", name: "")
        var mapped: UInt64 = 0
        while k.processes[LTPOOMNumaTests.child]?.alive == true && mapped < 4 << 30 {
            let s = k.mapAnon(256 << 20, p: LTPOOMNumaTests.child)
            mapped += 256 << 20
            var a = s
            while a < s + (256 << 20), k.processes[LTPOOMNumaTests.child]?.alive == true { _ = k.store(a, LTPOOMNumaTests.child); a += 4096 }
        }
        let kill = try #require(k.oomKills.first)
        #expect(kill.constraint == .memoryPolicy && mapped <= 5 * (256 << 20))
        #expect(LTPOOMNumaTests.freePages(k, node: 0) > LTPOOMNumaTests.managed(k, node: 0) * 90 / 100)
    }
}
