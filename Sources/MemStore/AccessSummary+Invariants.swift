import MemModel

/// The consistency an `AccessSummary` keeps between its groups, their index and their sums.
extension AccessSummary {
    /// Every broken rule, as sentences; empty when the summary is consistent: `width` sums per
    /// group, the index naming each group once at its position, no negative sum, at least one
    /// access per group, the modelled accesses at most the accesses, the TLB, serving-level and DRAM counts each
    /// adding up to the modelled accesses, the walk levels adding up to the walk references, the
    /// remote accesses at most the modelled ones, the latency maximum at most its sum, and every
    /// group's phase a marker seen (or 0).
    public func invariantViolations() -> [String] {
        let describe = { (g: Int, key: Key) in
            "group \(g) (pid \(key.pid), vma \(key.vma), phase \(key.phase), kind \(key.kind), fault \(key.fault))"
        }
        var problems = groups.structureViolations(name: describe)
        if groups.sums.count != groups.keys.count * AccessSummary.width { return problems }
        for (g, key) in groups.keys.enumerated() {
            let s = sums(ofGroup: g)
            let name = describe(g, key)
            if let bad = s.firstIndex(where: { $0 < 0 }) {
                problems.append("\(name): \(AccessSummary.sumColumns[bad]) is negative")
            }
            let hw = s[Column.hwAccesses]
            if s[Column.accesses] < 1 { problems.append("\(name): a group with no access") }
            if hw > s[Column.accesses] { problems.append("\(name): \(hw) modelled of \(s[Column.accesses]) accesses") }
            for (label, start, count) in [("TLB", Column.tlb, TLBOutcome.allCases.count),
                                          ("serving level", Column.servedBy, MemoryLevel.allCases.count),
                                          ("DRAM", Column.dram, DRAMOutcome.allCases.count)] {
                let total = s[start..<(start + count)].reduce(0, +)
                if total != hw { problems.append("\(name): \(label) counts add up to \(total), not \(hw)") }
            }
            let walks = s[Column.walkServed..<(Column.walkServed + MemoryLevel.allCases.count)].reduce(0, +)
            if walks != s[Column.walkRefs] {
                problems.append("\(name): walk levels add up to \(walks), not \(s[Column.walkRefs]) references")
            }
            if s[Column.remote] > hw { problems.append("\(name): \(s[Column.remote]) remote of \(hw) modelled") }
            if s[Column.latencyMax] > s[Column.latency] { problems.append("\(name): latency maximum above its sum") }
            if key.phase != 0 && phaseNames[key.phase] == nil { problems.append("\(name): phase \(key.phase) was never started") }
        }
        return problems
    }
}
