import MemTrace

extension AddressSpace {
    /// Checks the address space's invariants; returns a description of each violation.
    ///
    /// Every VMA is non-empty and page-aligned, VMAs are sorted and never overlap, and ids are unique.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        var ids = Set<VMAID>()
        for (i, v) in areas.enumerated() {
            if v.start >= v.end { problems.append("\(v.id) is empty or inverted: \(v.start)…\(v.end)") }
            if !Page.isAligned(v.start) || !Page.isAligned(v.end) { problems.append("\(v.id) is not page-aligned") }
            if !ids.insert(v.id).inserted { problems.append("\(v.id) appears twice") }
            if i > 0 && areas[i - 1].end > v.start { problems.append("\(areas[i - 1].id) overlaps \(v.id)") }
        }
        return problems
    }
}
