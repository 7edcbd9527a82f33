import MemTrace

/// Cpusets' memory nodes (kernel/cgroup/cpuset.c, Linux 6.1): `cpuset.mems` of each cpuset,
/// the tasks in it, and a task's `mems_allowed` that its page allocations may use
/// (`cpuset_node_allowed` through ALLOC_CPUSET, `__cpuset_zone_allowed` with __GFP_HARDWALL,
/// which every allocation carries once cpusets are in use).
extension LinuxKernel {
    /// Builds the configured cpusets at boot. A configured node beyond the machine's memory nodes
    /// is dropped as `update_nodemask` refuses it; a set left empty allows every node.
    mutating func setUpCpusets(_ config: CpusetConfiguration?) {
        guard let config else { return }
        for g in config.groups {
            var mems = NodeMask(bits: g.mems ?? numa.memoryNodes.bits).intersection(numa.memoryNodes)
            if mems.isEmpty { mems = numa.memoryNodes }
            numa.setCpuset(g.path, mems: mems, member: nil)
        }
    }

    /// A new process's cpuset: its parent's (fork: `cgroup_fork`), else the configured one that
    /// names it; its policy and interleave cursor come from the parent (`mpol_dup`).
    mutating func numaAttachNew(_ pid: ProcessID, parent: ProcessID, image: String) {
        if tasks[parent] != nil { numa.forked(pid, from: parent) }
        if numa.cpusetOf[pid] == nil, let config = configuration.cpuset, let path = config.path(for: pid, image: image) {
            numa.attach(pid, to: path)
        }
    }

    /// A cgroup control event on the cpuset controller: `cpuset.mems` of cgroup `name` set to the
    /// nodes of `value`'s bits (`update_nodemask`: a set with a node without memory is refused
    /// with EINVAL, and the model does not empty a cpuset: both leave the old mems), and `target`
    /// moved into it when given.
    mutating func cpusetControl(name: String, key: String, value: Int64, target: ProcessID) {
        let path = MemcgTree.normalize(name)
        let member = target != .none && tasks[target] != nil ? target : nil
        guard key == "cpuset.mems" else {
            if let m = member { numa.attach(m, to: path) }
            return
        }
        let mems = NodeMask(bits: UInt64(bitPattern: value))
        let current = numa.cpusets[path] ?? numa.memoryNodes
        let valid = !mems.isEmpty && mems.isSubset(of: numa.memoryNodes)
        numa.setCpuset(path, mems: valid ? mems : current, member: member)
    }
}
