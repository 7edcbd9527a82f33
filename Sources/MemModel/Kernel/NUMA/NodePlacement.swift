/// Where one page allocation may come from, as the kernel's allocation context holds it: the node
/// whose zonelist the walk starts from (`preferred_nid`), the memory policy's nodemask
/// (`ac->nodemask`, what the OOM killer's `constrained_alloc` reads), and the nodes the walk may
/// take pages from once the task's cpuset is applied (ALLOC_CPUSET: `__cpuset_zone_allowed`).
public struct NodePlacement: Hashable, Sendable {
    /// `preferred_nid`.
    public var node: Int
    /// The policy's nodemask (`policy_nodemask`); nil when the policy does not restrict the nodes.
    public var policyMask: NodeMask?
    /// The allocating task's `mems_allowed`.
    public var memsAllowed: NodeMask
    /// Nodes the page allocator may use (policy mask ∩ mems_allowed); nil: every node.
    public var allowed: NodeMask?
    /// MPOL_PREFERRED_MANY's nodes (∩ mems_allowed), tried first without direct reclaim before
    /// the request goes to any node (`alloc_pages_preferred_many`); nil for other policies.
    public var firstTry: NodeMask?

    /// No policy and no cpuset: node 0's zonelist, every node.
    public static let anywhere = NodePlacement(node: 0, policyMask: nil, memsAllowed: NodeMask(bits: .max), allowed: nil)

    public init(node: Int, policyMask: NodeMask?, memsAllowed: NodeMask, allowed: NodeMask?, firstTry: NodeMask? = nil) {
        self.node = node; self.policyMask = policyMask; self.memsAllowed = memsAllowed; self.allowed = allowed
        self.firstTry = firstTry
    }
}
