import Testing
import MemTrace
@testable import MemModel

/// Node choice under memory policies and cpusets (mm/mempolicy.c, kernel/cgroup/cpuset.c), the
/// syscalls' errors, the zonelists' fallback order and the NUMA state's invariant checker.
@Suite struct NumaPolicyTests {
    /// A 256 MiB machine of `nodes` equal nodes with process `pid`.
    static func kernel(nodes: Int = 2, _ more: [(String, String)] = []) -> LinuxKernel {
        var c = MachineConfiguration(name: "numa", memoryBytes: 256 << 20, kernelReservedBytes: 2 << 20)
        try! c.set("nodes", String(nodes)); try! c.set("numa_split", "even")
        for (k, v) in more { try! c.set(k, v) }
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/numa")
        return k
    }

    static func node(_ k: LinuxKernel, _ address: UInt64) -> Int? {
        k.processes[pid]?.table.translate(Page.number(of: address)).flatMap { k.frames.locations.location(of: $0.frame)?.node }
    }

    static func setPolicy(_ k: inout LinuxKernel, _ mode: UInt32, _ nodes: [Int]) -> Int64 {
        k.memory(MemoryCall(op: .setMempolicy, flags: mode, offset: NodeMask(nodes).bits), pid: pid, name: "").result
    }

    static func mbind(_ k: inout LinuxKernel, _ a: UInt64, _ len: UInt64, _ mode: UInt32, _ nodes: [Int], flags: MbindFlags = []) -> Int64 {
        k.memory(MemoryCall(op: .mbind, address: VirtualAddress(a), length: len, newLength: UInt64(flags.rawValue), flags: mode,
                            offset: NodeMask(nodes).bits), pid: pid, name: "").result
    }

    @Test func evenSplitGivesEachNodeHalfOnPageblockBoundaries() throws {
        let k = NumaPolicyTests.kernel()
        let n0 = k.frames.nodeZones[0].map { k.frames.zoneInfo[$0] }, n1 = k.frames.nodeZones[1].map { k.frames.zoneInfo[$0] }
        #expect(n0[0].type == .dma && n0[0].isPopulated && n0[1].type == .dma32 && n0[1].isPopulated)
        #expect(!n1[0].isPopulated && n1[1].isPopulated && n1[1].layout.startPFN == 32768)   // 128 MiB
        #expect(n1[1].layout.startPFN % PhysicalMemory.pageblockPages == 0)
        let preset = LinuxKernel(configuration: try MachineConfiguration.resolve("numa-2x1g"))
        #expect(preset.frames.zoneInfo[preset.frames.nodeZones[1][1]].layout.startPFN == 262_144)   // 1 GiB
        #expect(preset.numa.memoryNodes == NodeMask([0, 1]))
        #expect(preset.invariantViolations().isEmpty)
    }

    /// `build_zonelists`: the local node's zones, then the others by distance (ties by number).
    @Test func zonelistsFallBackByDistance() {
        var c = MachineConfiguration(name: "d", memoryBytes: 384 << 20, kernelReservedBytes: 2 << 20)
        var p = PhysicalConfiguration(); p.nodeCount = 3; p.splitEvenly = true
        p.distances = [[10, 30, 20], [30, 10, 20], [20, 20, 10]]
        c.physical = p
        let f = LinuxKernel(configuration: c).frames
        let order = f.zonelists.map { list in list.map { f.zoneInfo[$0].node }.reduce(into: [Int]()) { if $0.last != $1 { $0.append($1) } } }
        #expect(order == [[0, 2, 1], [1, 2, 0], [2, 0, 1]])
    }

    /// `interleave_nid`: a VMA interleave policy places page i of the VMA on node
    /// (vm_pgoff + i) mod 2.
    @Test func vmaInterleaveFollowsThePageOffset() {
        var k = NumaPolicyTests.kernel()
        let a = k.mapAnon(64 << 12)
        #expect(NumaPolicyTests.mbind(&k, a, 64 << 12, MempolicyMode.interleave.rawValue, [0, 1]) == 0)
        for i in 0..<64 { _ = k.store(a + UInt64(i) << 12) }
        for i in 0..<64 { #expect(NumaPolicyTests.node(k, a + UInt64(i) << 12) == Int((Page.number(of: a) + UInt64(i)) % 2)) }
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(3))")
    }

    /// `interleave_nodes`: a task interleave policy spreads page-cache pages round-robin from the
    /// first node (il_prev starts at MAX_NUMNODES − 1).
    @Test func taskInterleaveIsRoundRobin() throws {
        var k = NumaPolicyTests.kernel()
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.interleave.rawValue, [0, 1]) == 0)
        k.openFile(3, size: 16 << 12)
        _ = k.file(FileCall(op: .read, file: FileID(3), offset: 0, length: 16 << 12), pid: pid, path: "")
        let nodes = (0..<16).compactMap { k.cache.page(FileID(3), UInt64($0)).flatMap { k.frames.locations.location(of: $0)?.node } }
        #expect(nodes.count == 16)
        #expect(nodes == (0..<16).map { $0 % 2 })
    }

    /// MPOL_PREFERRED starts on its node and falls back to the other when it is full: no OOM.
    @Test func preferredFallsBack() {
        var k = NumaPolicyTests.kernel()
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.preferred.rawValue, [1]) == 0)
        let len: UInt64 = 192 << 20
        let a = k.mapAnon(len)
        _ = k.store(a)
        #expect(NumaPolicyTests.node(k, a) == 1)
        for x in stride(from: a, to: a + len, by: 4096) { _ = k.store(x) }
        #expect(k.oomKills.isEmpty && k.processes[pid]?.alive == true)
        #expect(NumaPolicyTests.node(k, a + len - 4096) == 0)
    }

    /// MPOL_BIND never falls back: with node 1 full the fault OOM-kills although node 0 is free.
    @Test func bindNeverFallsBack() throws {
        var k = NumaPolicyTests.kernel()
        let len: UInt64 = 192 << 20
        let a = k.mapAnon(len)
        #expect(NumaPolicyTests.mbind(&k, a, len, MempolicyMode.bind.rawValue, [1]) == 0)
        for x in stride(from: a, to: a + len, by: 4096) where k.processes[pid]?.alive == true { _ = k.store(x) }
        let kill = try #require(k.oomKills.first)
        #expect(kill.constraint == .memoryPolicy && kill.nodemask == NodeMask([1]))
    }

    @Test func badPoliciesAreEINVAL() {
        var k = NumaPolicyTests.kernel()
        let einval = Errno.einval.negated
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.bind.rawValue, []) == einval)             // empty mask
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.interleave.rawValue, []) == einval)
        #expect(NumaPolicyTests.setPolicy(&k, 6, [0]) == einval)                                      // ≥ MPOL_MAX
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.default.rawValue, [0]) == einval)        // nodes with default
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.local.rawValue, [1]) == einval)
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.bind.rawValue, [5]) == einval)           // no memory there
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.bind.rawValue | (3 << 14), [0]) == einval) // static|relative
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.preferred.rawValue | (1 << 13), [0]) == einval)
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.preferred.rawValue, []) == 0)            // → local
        #expect(k.numa.taskPolicies[pid]?.mode == .local)
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.default.rawValue, []) == 0 && k.numa.taskPolicies[pid] == nil)
        let a = k.mapAnon(16 << 12)
        #expect(NumaPolicyTests.mbind(&k, a + 1, 4096, MempolicyMode.bind.rawValue, [0]) == einval)
        #expect(NumaPolicyTests.mbind(&k, a, 4096, MempolicyMode.bind.rawValue, [0], flags: MbindFlags(rawValue: 8)) == einval)
        #expect(NumaPolicyTests.mbind(&k, a, 4096, MempolicyMode.bind.rawValue, [0], flags: .moveAll) == Errno.eperm.negated)
        #expect(NumaPolicyTests.mbind(&k, a, 32 << 12, MempolicyMode.bind.rawValue, [0]) == Errno.efault.negated)   // hole
        #expect(NumaPolicyTests.mbind(&k, a, 0, MempolicyMode.bind.rawValue, []) == 0)                              // empty range
    }

    /// mbind splits the VMA at the range's ends; MPOL_MF_STRICT refuses misplaced pages with EIO
    /// and changes nothing; MPOL_MF_MOVE migrates them; MPOL_DEFAULT on the range merges it back.
    @Test func mbindSplitsStrictRefusesMoveMigratesDefaultMerges() {
        var k = NumaPolicyTests.kernel()
        let a = k.mapAnon(16 << 12)
        for i in 0..<16 { _ = k.store(a + UInt64(i) << 12) }
        #expect(NumaPolicyTests.node(k, a + 4 << 12) == 0)
        #expect(NumaPolicyTests.mbind(&k, a + 4 << 12, 4 << 12, MempolicyMode.bind.rawValue, [1], flags: .strict) == Errno.eio.negated)
        #expect(k.processes[pid]!.space.areas.filter { $0.start >= a && $0.end <= a + 16 << 12 }.count == 1)
        #expect(NumaPolicyTests.mbind(&k, a + 4 << 12, 4 << 12, MempolicyMode.bind.rawValue, [1], flags: [.strict, .move]) == 0)
        #expect(k.processes[pid]!.space.areas.filter { $0.start >= a && $0.end <= a + 16 << 12 }.count == 3)
        for i in 0..<16 { #expect(NumaPolicyTests.node(k, a + UInt64(i) << 12) == ((4..<8).contains(i) ? 1 : 0)) }
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(3))")
        #expect(NumaPolicyTests.mbind(&k, a + 4 << 12, 4 << 12, MempolicyMode.default.rawValue, []) == 0)
        #expect(k.processes[pid]!.space.areas.filter { $0.start >= a && $0.end <= a + 16 << 12 }.count == 1)
    }

    /// A fork child inherits the task policy and the cpuset; cpuset mems restrict even the
    /// default policy's allocations; the state leaves with the task.
    @Test func forkInheritsPolicyAndCpuset() {
        var k = NumaPolicyTests.kernel([("cpuset.mems", "1")])
        #expect(k.numa.memsAllowed(pid) == NodeMask([1]) && k.numa.localNode(pid) == 1)
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.bind.rawValue, [0, 1]) == 0)
        #expect(k.numa.taskPolicies[pid]?.nodes == NodeMask([1]))        // ∩ cpuset mems
        let child = ProcessID(101)
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.numa.taskPolicies[child] == k.numa.taskPolicies[pid] && k.numa.cpusetOf[child] == "/memreplay")
        let a = k.mapAnon(8 << 12, p: child)
        _ = k.store(a, child)
        #expect(k.processes[child]?.table.translate(Page.number(of: a)).flatMap { k.frames.locations.location(of: $0.frame)?.node } == 1)
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(101), image: "")
        #expect(k.numa.taskPolicies[child] == nil && k.numa.cpusetOf[child] == nil)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(3))")
    }

    /// The checker notices a policy no syscall could make and state left by a dead task.
    @Test func invariantCheckerCatchesBadPolicies() {
        var k = NumaPolicyTests.kernel()
        #expect(NumaPolicyTests.setPolicy(&k, MempolicyMode.interleave.rawValue, [0, 1]) == 0)
        #expect(k.invariantViolations().isEmpty)
        k.numa.taskPolicies[pid] = MemoryPolicy(mode: .bind, nodes: NodeMask(bits: 0))
        #expect(k.invariantViolations().contains { $0.contains("bind policy with no nodes") })
        k.numa.taskPolicies[ProcessID(999)] = MemoryPolicy(mode: .local, nodes: NodeMask(bits: 0))
        #expect(k.invariantViolations().contains { $0.contains("999, which is not alive") })
    }

    @Test func nodeMasksPrintAndParseAsTheKernelDoes() {
        #expect(NodeMask([0, 1]).description == "0-1" && NodeMask([0, 2, 3]).description == "0,2-3")
        #expect(NodeMask(list: "0,2-3") == NodeMask([0, 2, 3]) && NodeMask(list: "3-1") == nil && NodeMask(list: "64") == nil)
        #expect(NodeMask([1, 3]).nextNode(after: 3) == 1 && NodeMask([1, 3]).nextNode(after: 1) == 3)
        #expect(MemoryPolicy(mode: .interleave, nodes: NodeMask([1, 2, 5])).interleaveNode(offset: 7) == 2)
    }
}
