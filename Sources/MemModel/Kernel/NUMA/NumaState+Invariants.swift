import MemTrace

extension NumaState {
    /// What must hold of the NUMA state: every stored policy is one `MemoryPolicy.make` can
    /// produce (local with no nodes; otherwise a non-empty set of memory nodes, one node for
    /// preferred); an interleave cursor only for a task with an interleave policy, on one of its
    /// nodes; every cpuset's mems a non-empty set of memory nodes; every task's cpuset exists.
    /// `live` are the live pids: state for any other task is a leak.
    public func invariantViolations(live: Set<ProcessID>) -> [String] {
        var problems: [String] = []
        for (pid, p) in taskPolicies.sorted(by: { $0.key < $1.key }) {
            if !live.contains(pid) { problems.append("numa: policy of pid \(pid.rawValue), which is not alive") }
            problems += NumaState.policyViolations(p, memoryNodes: memoryNodes).map { "numa: pid \(pid.rawValue): \($0)" }
        }
        for (pid, node) in interleavePrevious.sorted(by: { $0.key < $1.key }) {
            guard let p = taskPolicies[pid], p.mode == .interleave else {
                problems.append("numa: interleave cursor of pid \(pid.rawValue) without an interleave policy"); continue
            }
            if !p.nodes.contains(node) { problems.append("numa: pid \(pid.rawValue)'s interleave cursor \(node) is not in \(p.nodes)") }
        }
        for (path, mems) in cpusets.sorted(by: { $0.key < $1.key }) {
            if mems.isEmpty || !mems.isSubset(of: memoryNodes) {
                problems.append("numa: cpuset \(path) has mems '\(mems)', not a non-empty set of memory nodes '\(memoryNodes)'")
            }
        }
        for (pid, path) in cpusetOf.sorted(by: { $0.key < $1.key }) {
            if cpusets[path] == nil { problems.append("numa: pid \(pid.rawValue) is in cpuset \(path), which does not exist") }
            if !live.contains(pid) { problems.append("numa: pid \(pid.rawValue) in cpuset \(path) is not alive") }
        }
        return problems
    }

    /// The problems of one policy (a task's or a VMA's).
    public static func policyViolations(_ p: MemoryPolicy, memoryNodes: NodeMask) -> [String] {
        switch p.mode {
        case .default: return ["MPOL_DEFAULT stored as a policy"]
        case .local: return p.nodes.isEmpty ? [] : ["local policy with nodes \(p.nodes)"]
        case .preferred where p.nodes.count != 1: return ["preferred policy with \(p.nodes.count) nodes"]
        default:
            if p.nodes.isEmpty { return ["\(p.mode) policy with no nodes"] }
            if !p.nodes.isSubset(of: memoryNodes) { return ["\(p.mode) policy on nodes \(p.nodes) beyond the memory nodes \(memoryNodes)"] }
            return []
        }
    }
}

extension LinuxKernel {
    /// The NUMA state's own checks with the live tasks, and every VMA policy's.
    func numaViolations() -> [String] {
        var problems = numa.invariantViolations(live: Set(processes.keys))
        for pid in processes.keys.sorted() {
            for v in processes[pid]!.space.areas {
                guard let pol = v.policy else { continue }
                problems += NumaState.policyViolations(pol, memoryNodes: numa.memoryNodes)
                    .map { "numa: pid \(pid.rawValue) VMA 0x\(String(v.start, radix: 16)): \($0)" }
            }
        }
        return problems
    }
}
