import MemTrace

/// The NUMA placement state of the kernel: each task's memory policy and interleave cursor
/// (`task->mempolicy`, `task->il_prev`), the cpusets with their `mems` and which task is in which
/// (`task_cs(task)`, `task->mems_allowed`). VMA policies live on the VMAs (`VirtualMemoryArea.policy`).
///
/// A task without a cpuset entry is in the root cpuset, whose mems are every node with memory
/// (`node_states[N_MEMORY]`). A fork child starts with its parent's policy, cursor and cpuset
/// (`copy_process`: `mpol_dup`, `cgroup_fork`); an ended task leaves (`mpol_put` in `do_exit`).
public struct NumaState: Sendable {
    /// N_MEMORY: the nodes that have memory.
    public let memoryNodes: NodeMask
    /// Task policies by pid (`task->mempolicy`; absent: the default policy, local allocation).
    public internal(set) var taskPolicies: [ProcessID: MemoryPolicy] = [:]
    /// `task->il_prev`: the node the last interleaved task-policy allocation took.
    public internal(set) var interleavePrevious: [ProcessID: Int] = [:]
    /// Cpusets by path ("/ltp", "/A/B") with their effective mems; the root ("/") is implicit.
    public internal(set) var cpusets: [String: NodeMask] = [:]
    /// The cpuset of each task not in the root one.
    public internal(set) var cpusetOf: [ProcessID: String] = [:]
    /// True once some policy or cpuset has been set: until then every allocation takes the
    /// allocating CPU's node (0) with fallback, and the fault path need not look anything up.
    public internal(set) var engaged = false

    public init(memoryNodes: NodeMask) { self.memoryNodes = memoryNodes }

    /// `node_states[N_MEMORY]` of a machine: the nodes with managed pages.
    public static func memoryNodes(of frames: PhysicalMemory) -> NodeMask {
        NodeMask(frames.nodeZones.indices.filter { n in frames.nodeZones[n].contains { frames.zoneInfo[$0].isManaged } })
    }

    /// `task->mems_allowed`: its cpuset's mems, or every memory node in the root cpuset.
    public func memsAllowed(_ pid: ProcessID) -> NodeMask {
        cpusetOf[pid].flatMap { cpusets[$0] } ?? memoryNodes
    }

    /// The cpuset's name as `cpuset_print_current_mems_allowed` prints it (the last path
    /// component, `pr_cont_cgroup_name`; "/" for the root).
    public func cpusetName(_ pid: ProcessID) -> String {
        guard let path = cpusetOf[pid] else { return "/" }
        return path.split(separator: "/").last.map(String.init) ?? "/"
    }

    /// `numa_node_id()` of the task: the model runs every task on a CPU of node 0, or of the first
    /// node of its cpuset's mems when those exclude node 0 (a cpuset's CPUs are those of its
    /// nodes, as LTP's `write_cpusets` sets them).
    public func localNode(_ pid: ProcessID) -> Int {
        let mems = memsAllowed(pid)
        return mems.contains(0) ? 0 : mems.firstNode ?? 0
    }

    /// `do_set_mempolicy`: installs `policy` (nil: MPOL_DEFAULT) as the task's; an interleave
    /// policy restarts the cursor (`il_prev = MAX_NUMNODES − 1`, so the next node is the first).
    mutating func setTaskPolicy(_ pid: ProcessID, _ policy: MemoryPolicy?) {
        engaged = true
        taskPolicies[pid] = policy
        interleavePrevious[pid] = nil
    }

    /// `interleave_nodes`: the next node of the set after the task's cursor (`next_node_in`),
    /// which becomes the cursor.
    mutating func nextInterleaveNode(_ pid: ProcessID, _ policy: MemoryPolicy) -> Int {
        let previous = interleavePrevious[pid] ?? 63
        guard let next = policy.nodes.nextNode(after: previous) else { return 0 }
        interleavePrevious[pid] = next
        return next
    }

    /// Creates (or changes) cpuset `path` with `mems`, and moves `pid` into it when given.
    mutating func setCpuset(_ path: String, mems: NodeMask, member pid: ProcessID?) {
        engaged = true
        cpusets[path] = mems
        if let pid { cpusetOf[pid] = path }
    }

    /// Puts `pid` in cpuset `path` (created with every memory node when new).
    mutating func attach(_ pid: ProcessID, to path: String) {
        engaged = true
        if cpusets[path] == nil { cpusets[path] = memoryNodes }
        cpusetOf[pid] = path
    }

    /// `copy_process`: the child inherits the parent's policy, interleave cursor and cpuset.
    mutating func forked(_ child: ProcessID, from parent: ProcessID) {
        if let p = taskPolicies[parent] { taskPolicies[child] = p }
        if let i = interleavePrevious[parent] { interleavePrevious[child] = i }
        if let c = cpusetOf[parent] { cpusetOf[child] = c }
    }

    /// `do_exit`: the task's policy is dropped and it leaves its cpuset.
    mutating func ended(_ pid: ProcessID) {
        taskPolicies[pid] = nil
        interleavePrevious[pid] = nil
        cpusetOf[pid] = nil
    }
}
