import MemTrace

/// One NUMA memory policy (`struct mempolicy`, mm/mempolicy.c, Linux 6.1): a mode and its nodes,
/// held by a task (`task->mempolicy`, set_mempolicy) or a VMA (`vma->vm_policy`, mbind).
///
/// MPOL_DEFAULT is never stored: it is the absence of a policy (`mpol_new` returns NULL), and
/// MPOL_PREFERRED with an empty mask becomes MPOL_LOCAL. A value, compared as `mpol_equal`
/// compares (VMAs with different policies never merge).
public struct MemoryPolicy: Hashable, Sendable, CustomStringConvertible {
    public var mode: MempolicyMode
    /// `pol->nodes`: the bind or interleave set, the preferred node; empty for MPOL_LOCAL.
    public var nodes: NodeMask
    public var flags: MempolicyModeFlags
    /// The nodes as the caller gave them (`w.user_nodemask`, kept for static/relative policies).
    public var userNodes: NodeMask

    public init(mode: MempolicyMode, nodes: NodeMask, flags: MempolicyModeFlags = [], userNodes: NodeMask? = nil) {
        self.mode = mode; self.nodes = nodes; self.flags = flags; self.userNodes = userNodes ?? nodes
    }

    public var description: String { mode == .local ? "local" : "\(mode):\(nodes)" }

    /// What a set_mempolicy or mbind call's mode and nodes make: a policy to install (nil for
    /// MPOL_DEFAULT), or the errno the call fails with.
    public enum Made: Equatable, Sendable {
        case installs(MemoryPolicy?)
        case refused(Errno)
    }

    /// `sanitize_mpol_flags` + `mpol_new` + `mpol_set_nodemask` for set_mempolicy and mbind:
    /// the policy a call with `modeWord` (mode | MPOL_F_* flags) and `requested` nodes installs,
    /// nil for MPOL_DEFAULT, or the errno. EINVAL for a mode ≥ MPOL_MAX, static with relative,
    /// NUMA balancing with another mode than bind, nodes given with MPOL_DEFAULT or MPOL_LOCAL,
    /// an empty mask for bind, interleave and preferred-many, and a mask with no node among the
    /// task's allowed memory nodes (`cpuset_current_mems_allowed` ∩ N_MEMORY) once intersected.
    public static func make(modeWord: UInt32, requested: NodeMask, allowed: NodeMask) -> Made {
        let flags = MempolicyModeFlags(rawValue: modeWord & MempolicyModeFlags.all.rawValue)
        let raw = modeWord & ~MempolicyModeFlags.all.rawValue
        guard raw < MempolicyMode.max, var mode = MempolicyMode(rawValue: raw) else { return .refused(.einval) }
        if flags.contains(.staticNodes) && flags.contains(.relativeNodes) { return .refused(.einval) }
        if flags.contains(.numaBalancing) && mode != .bind { return .refused(.einval) }
        // mpol_new
        if mode == .default { return requested.isEmpty ? .installs(nil) : .refused(.einval) }
        if mode == .preferred && requested.isEmpty {
            if !flags.isDisjoint(with: [.staticNodes, .relativeNodes]) { return .refused(.einval) }
            mode = .local
        } else if mode == .local {
            if !requested.isEmpty || !flags.isDisjoint(with: [.staticNodes, .relativeNodes]) { return .refused(.einval) }
        } else if requested.isEmpty {
            return .refused(.einval)
        }
        if mode == .local { return .installs(MemoryPolicy(mode: .local, nodes: NodeMask(bits: 0), flags: flags)) }
        // mpol_set_nodemask: the nodes within the allowed ones (relative ones remapped onto them).
        let effective = flags.contains(.relativeNodes) ? relative(requested, onto: allowed) : requested.intersection(allowed)
        guard !effective.isEmpty else { return .refused(.einval) }       // mpol_new_nodemask / mpol_new_preferred
        let nodes = mode == .preferred ? NodeMask([effective.firstNode!]) : effective
        return .installs(MemoryPolicy(mode: mode, nodes: nodes, flags: flags, userNodes: requested))
    }

    /// `mpol_relative_nodemask`: `orig` folded to the weight of `rel` (`nodes_fold`), then its
    /// n-th bit mapped onto the n-th node of `rel` (`nodes_onto`).
    static func relative(_ orig: NodeMask, onto rel: NodeMask) -> NodeMask {
        let targets = rel.nodes
        guard !targets.isEmpty else { return NodeMask(bits: 0) }
        var out: [Int] = []
        for n in orig.nodes { out.append(targets[n % targets.count]) }
        return NodeMask(out)
    }

    /// `policy_nodemask`: the nodes an allocation must come from — the bind set when the request
    /// may use the policy zone (`apply_policy_zone`) and the set meets the task's cpuset
    /// (`cpuset_nodemask_valid_mems_allowed`), the preferred-many set; nil (any node) otherwise.
    public func nodemask(requestZone: ZoneType, policyZone: ZoneType, memsAllowed: NodeMask) -> NodeMask? {
        switch mode {
        case .bind: return requestZone >= policyZone && nodes.intersects(memsAllowed) ? nodes : nil
        case .preferredMany: return nodes
        default: return nil
        }
    }

    /// `policy_node`: the node the zonelist starts from — the preferred node, else `local`.
    public func preferredNode(local: Int) -> Int {
        mode == .preferred ? nodes.firstNode ?? local : local
    }

    /// `offset_il_node`: the interleave node of page offset `offset` — the (offset mod weight)-th
    /// node of the set; `local` for an empty set.
    public func interleaveNode(offset: UInt64) -> Int {
        let w = nodes.count
        guard w > 0 else { return 0 }
        return nodes.nth(Int(offset % UInt64(w)))!
    }

    /// `mempolicy_in_oom_domain`: a task with this policy may hold memory on `mask`'s nodes —
    /// always, unless it is bound to nodes outside it.
    public func inOOMDomain(_ mask: NodeMask) -> Bool {
        mode != .bind || nodes.intersects(mask)
    }
}
