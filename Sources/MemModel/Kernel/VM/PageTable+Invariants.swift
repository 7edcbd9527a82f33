import MemTrace

extension PageTable {
    /// Checks the table's invariants; returns a description of each violation.
    ///
    /// Every present leaf has its PTE, PMD and PUD pages; every PTE page has its PMD page and every
    /// PMD page its PUD page; no table frame appears twice; every leaf is present.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        for (vpn, e) in allEntries {
            if pte[vpn >> 9] == nil { problems.append("entry for vpn 0x\(String(vpn, radix: 16)) without a PTE page") }
            if !e.flags.contains(.present) { problems.append("entry for vpn 0x\(String(vpn, radix: 16)) not present") }
        }
        for t in pte.keys where pmd[t >> 9] == nil { problems.append("PTE page \(t) without a PMD page") }
        if slotPage.keys != pte.keys { problems.append("PTE pages and slot pages differ") }
        for (name, tree) in [("PUD", pud), ("PMD", pmd), ("PTE", pte)] {
            problems += tree.invariantViolations().map { "\(name) page index: \($0)" }
        }
        problems += slotPage.invariantViolations().map { "slot page index: \($0)" }
        problems += swapped.invariantViolations().map { "swap entries: \($0)" }
        if allEntries.count != leafCount { problems.append("leaf count \(leafCount) but \(allEntries.count) slots are set") }
        for (t, e) in huge {
            if pte[t] != nil { problems.append("huge entry \(t) over a PTE page") }
            if deposited[t] == nil { problems.append("huge entry \(t) without a deposited table page") }
            if pmd[t >> 9] == nil { problems.append("huge entry \(t) without a PMD page") }
            if !e.flags.contains(.huge) || !e.flags.contains(.present) { problems.append("huge entry \(t) lacks the PSE or present bit") }
            if HugePage.index(ofNumber: e.frame.rawValue) != 0 { problems.append("huge entry \(t) maps unaligned frame \(e.frame)") }
        }
        if deposited.count != huge.count { problems.append("\(deposited.count) deposited table pages for \(huge.count) huge entries") }
        for t in pmd.keys where pud[t >> 9] == nil { problems.append("PMD page \(t) without a PUD page") }
        let frames = allTableFrames
        if Set(frames).count != frames.count { problems.append("a table frame is used twice") }
        return problems
    }
}
