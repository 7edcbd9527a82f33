import MemTrace

extension PageTable {
    /// Installs a 2 MiB entry for the aligned range holding `vpn` (`set_pmd_at` in
    /// `__do_huge_pmd_anonymous_page`, `set_huge_zero_page`, `copy_huge_pmd`), allocating missing
    /// PUD/PMD pages and the deposited page-table page with `allocate`. The range must have no
    /// PTE page. False (nothing changed) when a table page could not be allocated.
    public mutating func mapHuge(_ vpn: UInt64, _ entry: PageTableEntry, allocate: () -> PageFrameNumber?) -> Bool {
        let key = vpn >> 9
        precondition(pte[key] == nil && huge[key] == nil, "huge entry over a PTE page")
        var fresh: [PageFrameNumber] = []
        let needPUD = pud[vpn >> 27] == nil, needPMD = pmd[vpn >> 18] == nil
        for _ in 0..<(1 + (needPUD ? 1 : 0) + (needPMD ? 1 : 0)) {
            guard let f = allocate() else { return false }
            fresh.append(f)
        }
        deposited[key] = fresh.removeLast()
        if needPUD { pud[vpn >> 27] = fresh.removeFirst() }
        if needPMD { pmd[vpn >> 18] = fresh.removeFirst() }
        var e = entry
        e.flags.insert(.huge)
        huge[key] = e
        return true
    }

    /// Replaces the bits or frame of a present 2 MiB entry.
    @inlinable public mutating func updateHuge(_ vpn: UInt64, _ entry: PageTableEntry) { huge[vpn >> 9] = entry }

    /// Removes the 2 MiB entry covering `vpn` with its deposited table page (`zap_huge_pmd`,
    /// `pgtable_trans_huge_withdraw`); returns both.
    public mutating func unmapHuge(_ vpn: UInt64) -> (entry: PageTableEntry, deposit: PageFrameNumber)? {
        let key = vpn >> 9
        guard let e = huge.removeValue(forKey: key), let d = deposited.removeValue(forKey: key) else { return nil }
        return (e, d)
    }

    /// Splits the 2 MiB entry covering `vpn` into 512 PTEs in its deposited page
    /// (`__split_huge_pmd_locked`): subpage i maps `subframe(i)` with the huge entry's bits.
    /// Returns the entry that was split.
    @discardableResult
    public mutating func splitHuge(_ vpn: UInt64, subframe: (UInt64) -> PageFrameNumber) -> PageTableEntry? {
        let key = vpn >> 9
        guard var e = huge.removeValue(forKey: key), let d = deposited.removeValue(forKey: key) else { return nil }
        e.flags.remove(.huge)
        let b = addPTEPage(key, d)
        for i in 0..<HugePage.pages { slots[b + Int(i)] = PageTable.pack(PageTableEntry(frame: subframe(i), flags: e.flags)) }
        leafCount += Int(HugePage.pages)
        return e
    }

    /// The entry translating `vpn`: its 4 KiB entry, or for a huge mapping the subpage's frame
    /// with the huge entry's bits (`.huge` set).
    @inlinable public func translate(_ vpn: UInt64) -> PageTableEntry? {
        if !huge.isEmpty, var h = huge[vpn >> 9] {
            h.frame = PageFrameNumber(h.frame.rawValue + HugePage.index(ofNumber: vpn))
            return h
        }
        return entry(vpn)
    }
}

extension PageTable {
    /// True when the 2 MiB range holding `vpn` has a PTE page (so no huge entry can go there: `pmd_none` fails).
    @inlinable public func hasPTEPage(_ vpn: UInt64) -> Bool { pte[vpn >> 9] != nil }
}
