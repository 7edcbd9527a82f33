/// set_mempolicy(2) and mbind(2) modes (`MPOL_*`, include/uapi/linux/mempolicy.h).
public enum MempolicyMode: UInt32, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case `default` = 0, preferred = 1, bind = 2, interleave = 3, local = 4, preferredMany = 5

    /// MPOL_MAX: modes at or above it are EINVAL.
    public static let max: UInt32 = 6

    public var description: String {
        switch self {
        case .default: "default"; case .preferred: "prefer"; case .bind: "bind"
        case .interleave: "interleave"; case .local: "local"; case .preferredMany: "prefer (many)"
        }
    }
}

/// The optional mode flags or-ed into the mode argument (`MPOL_F_*`, MPOL_MODE_FLAGS).
public struct MempolicyModeFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `MPOL_F_STATIC_NODES`: the nodes are not remapped when the cpuset changes.
    public static let staticNodes = MempolicyModeFlags(rawValue: 1 << 15)
    /// `MPOL_F_RELATIVE_NODES`: the nodes are relative to the cpuset's mems.
    public static let relativeNodes = MempolicyModeFlags(rawValue: 1 << 14)
    /// `MPOL_F_NUMA_BALANCING`: NUMA balancing may migrate within a bind policy (MPOL_BIND only).
    public static let numaBalancing = MempolicyModeFlags(rawValue: 1 << 13)
    /// `MPOL_MODE_FLAGS`.
    public static let all: MempolicyModeFlags = [.staticNodes, .relativeNodes, .numaBalancing]
}

/// mbind(2) flags (`MPOL_MF_*`).
public struct MbindFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `MPOL_MF_STRICT`: fail with EIO when existing pages of the range are not on the policy's nodes.
    public static let strict = MbindFlags(rawValue: 1)
    /// `MPOL_MF_MOVE`: migrate the range's pages mapped only by this process onto the policy's nodes.
    public static let move = MbindFlags(rawValue: 2)
    /// `MPOL_MF_MOVE_ALL`: migrate every page of the range (needs CAP_SYS_NICE).
    public static let moveAll = MbindFlags(rawValue: 4)
    /// `MPOL_MF_VALID`: the flags mbind accepts.
    public static let valid: MbindFlags = [.strict, .move, .moveAll]
}
