/// Control events: markers and configuration changes made while the workload runs.
public enum ControlOp: UInt8, CaseIterable, Hashable, Sendable {
    /// Start of a named phase (`name`).
    case phase = 0
    /// A sysctl write: `key` (for example `vm.swappiness`) set to `value`.
    case sysctl = 1
    /// A cgroup limit: cgroup `name`, file `key` (`memory.max`, `memory.high`, …) set to `value`
    /// bytes (−1 for "max"); `target` is moved into the cgroup when not `.none`.
    case cgroupLimit = 2
    /// oom_score_adj of process `target` set to `value` (−1000…1000).
    case oomScoreAdj = 3

    public var name: String {
        switch self {
        case .phase: "phase"; case .sysctl: "sysctl"; case .cgroupLimit: "cgroup_limit"
        case .oomScoreAdj: "oom_score_adj"
        }
    }
}

/// A control event: phase marker, sysctl change, cgroup limit or oom_score_adj.
public struct ControlEvent: Hashable, Sendable {
    public var op: ControlOp
    public var name: StringID
    public var key: StringID
    public var value: Int64
    public var target: ProcessID

    @inlinable public init(op: ControlOp, name: StringID = .none, key: StringID = .none, value: Int64 = 0,
                           target: ProcessID = .none) {
        self.op = op; self.name = name; self.key = key; self.value = value; self.target = target
    }
}
