/// The memory-cgroup tree's invariants.
extension MemcgTree {
    /// Every broken invariant, described: each cgroup's usage equals the pages charged to it
    /// directly (`charged`: frames that say they belong to it, by cgroup) plus its children's
    /// usage; no cgroup is above its memory.max unless its limit was lowered under it
    /// (`overLimit`); the peak is at least the usage; the tree's links agree; members are in
    /// existing cgroups.
    public func invariantViolations(charged: [Int: UInt64]) -> [String] {
        var problems: [String] = []
        for g in groups {
            let expected = (charged[g.id] ?? 0) + g.children.reduce(0) { $0 + groups[$1].usage }
            if g.id != MemcgTree.root && g.usage != expected {
                problems.append("memcg \(g.path): usage \(g.usage) pages, frames and children give \(expected)")
            }
            if g.id != MemcgTree.root && g.usage > g.max && !overLimit.contains(g.id) {
                problems.append("memcg \(g.path): usage \(g.usage) pages above memory.max \(g.max)")
            }
            if g.peak < g.usage { problems.append("memcg \(g.path): peak \(g.peak) below usage \(g.usage)") }
            for c in g.children where groups[c].parent != g.id { problems.append("memcg \(groups[c].path): parent link disagrees") }
            if let p = g.parent, !groups[p].children.contains(g.id) { problems.append("memcg \(g.path): missing from its parent's children") }
        }
        for (pid, g) in members.sorted(by: { $0.key < $1.key }) where g <= 0 || g >= groups.count {
            problems.append("process \(pid.rawValue) in cgroup \(g), which does not exist")
        }
        if charged[MemcgTree.root] != nil { problems.append("frames charged to the root cgroup") }
        return problems
    }
}
