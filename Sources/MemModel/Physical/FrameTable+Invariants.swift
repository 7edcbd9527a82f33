extension FrameTable {
    /// Checks the table's invariants; returns a description of each violation (empty when sound).
    ///
    /// Pages are conserved (free + every use = total), the free list holds exactly the free frames
    /// below the untouched mark with no duplicates, and no mapcount is negative.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        var counts = Array(repeating: UInt64(0), count: PageUse.allCases.count)
        for u in use { counts[Int(u.rawValue)] += 1 }
        if counts != useCounts { problems.append("use counts \(useCounts) differ from a recount \(counts)") }
        if useCounts.reduce(0, +) != totalPages { problems.append("pages not conserved: \(useCounts.reduce(0, +)) ≠ \(totalPages)") }
        var seen = Set<UInt32>()
        for i in freeList {
            if !seen.insert(i).inserted { problems.append("frame index \(i) twice on the free list") }
            if UInt64(i) >= untouched { problems.append("frame index \(i) on the free list above the untouched mark") }
            else if use[Int(i)] != .free { problems.append("frame index \(i) on the free list but holds \(use[Int(i)].name)") }
        }
        let freeBelow = (0..<Int(untouched)).filter { use[$0] == .free }.count
        if freeBelow != freeList.count { problems.append("\(freeBelow) free frames below the mark but \(freeList.count) on the free list") }
        if let i = mapCount.firstIndex(where: { $0 < 0 }) { problems.append("negative mapcount at frame index \(i)") }
        if let i = (0..<use.count).first(where: { use[$0] == .free && mapCount[$0] != 0 }) {
            problems.append("free frame index \(i) has mapcount \(mapCount[i])")
        }
        return problems
    }
}
