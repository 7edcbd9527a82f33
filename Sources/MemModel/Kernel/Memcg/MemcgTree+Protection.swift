/// Reclaim protection (memory.min, memory.low): the effective values a reclaim walk computes for
/// each cgroup below its target (`mem_cgroup_calculate_protection`, `effective_protection`,
/// mm/memcontrol.c, Linux 6.1).
extension MemcgTree {
    /// `effective_protection`: a child's protection is what it claims and uses,
    /// min(usage, setting); when the siblings together claim more than the parent's effective
    /// protection, each gets its share in proportion; with `memory_recursiveprot`, protection the
    /// children leave unclaimed goes to them in proportion to their unprotected usage.
    public static func effectiveProtection(usage: UInt64, parentUsage: UInt64, setting: UInt64, parentEffective: UInt64,
                                           siblingsProtected: UInt64, recursive: Bool) -> UInt64 {
        let protected = Swift.min(usage, setting)
        if siblingsProtected > parentEffective {
            return mulDiv(protected, parentEffective, siblingsProtected)
        }
        var ep = protected
        guard recursive else { return ep }
        if parentEffective > siblingsProtected && parentUsage > siblingsProtected && usage > protected {
            ep += mulDiv(parentEffective - siblingsProtected, usage - protected, parentUsage - siblingsProtected)
        }
        return ep
    }

    static func mulDiv(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        guard c > 0 else { return 0 }
        let p = a.multipliedFullWidth(by: b)
        return c.dividingFullWidth((p.high, p.low)).quotient
    }

    /// `children_min_usage` / `children_low_usage` of `id`: the protected usage its children claim
    /// (kept up to date by `propagate_protected_usage` at every charge; summed here).
    func childrenProtectedUsage(_ id: Int, min isMin: Bool) -> UInt64 {
        groups[id].children.reduce(0) { $0 + groups[$1].protectedUsage(min: isMin) }
    }

    /// `mem_cgroup_calculate_protection(root, memcg)`: the effective memory.min and memory.low of
    /// `id` when reclaim targets `target`. The target itself and cgroups without usage are not
    /// protected (their values are reset, as `mem_cgroup_protection` ignores the target's);
    /// a child of the target keeps its own settings; deeper cgroups share their parent's effective
    /// protection (`effectiveProtection`). Callers walk the subtree in pre-order, so the parent's
    /// effective values are current.
    public mutating func calculateProtection(target: Int, _ id: Int) {
        let g = groups[id]
        guard id != target, g.usage > 0, let parent = g.parent else {
            groups[id].effectiveMin = 0; groups[id].effectiveLow = 0
            return
        }
        if parent == target {
            groups[id].effectiveMin = g.min
            groups[id].effectiveLow = g.low
            return
        }
        let p = groups[parent]
        groups[id].effectiveMin = MemcgTree.effectiveProtection(usage: g.usage, parentUsage: p.usage, setting: g.min,
            parentEffective: p.effectiveMin, siblingsProtected: childrenProtectedUsage(parent, min: true), recursive: recursiveProtection)
        groups[id].effectiveLow = MemcgTree.effectiveProtection(usage: g.usage, parentUsage: p.usage, setting: g.low,
            parentEffective: p.effectiveLow, siblingsProtected: childrenProtectedUsage(parent, min: false), recursive: recursiveProtection)
    }

    /// `mem_cgroup_below_min`: usage within the effective memory.min (hard protection).
    public func belowMin(_ id: Int) -> Bool { groups[id].effectiveMin > 0 && groups[id].effectiveMin >= groups[id].usage }

    /// `mem_cgroup_below_low`: usage within the effective memory.low (soft protection).
    public func belowLow(_ id: Int) -> Bool { groups[id].effectiveLow > 0 && groups[id].effectiveLow >= groups[id].usage }
}
