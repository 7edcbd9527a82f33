extension PhysicalMemory {
    /// Changes what the allocated frames [f, f + 2^order) hold, keeping the per-use counts: a
    /// transparent huge page split back into small anonymous pages (`__split_huge_page`) moves
    /// from AnonHugePages to plain AnonPages; free frames in the range are left alone.
    public mutating func retag(_ f: PageFrameNumber, order: Int, _ u: PageUse) {
        ensureUnique()
        let i = Int(f.rawValue)
        for k in i..<min(i + (1 << order), Int(endPFN)) where use[k] != .free && use[k] != u {
            useCounts[Int(use[k].rawValue)] -= 1
            useCounts[Int(u.rawValue)] += 1
            use[k] = u
        }
    }
}
