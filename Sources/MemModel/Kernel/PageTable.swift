/// A process's 4-level x86_64 page table at 4 KiB granularity.
///
/// Leaf entries are kept by virtual page number; the table pages themselves (one PGD, and PUD,
/// PMD and PTE pages as ranges get populated) are real frames from the frame allocator, so they
/// show in PageTables / VmPTE, and `walk(_:)` lists the frames a hardware walk reads.
public struct PageTable: Sendable {
    @usableFromInline var entries: [UInt64: PageTableEntry] = [:]
    /// Table pages by level: 3 = PUD pages (per PGD slot), 2 = PMD pages, 1 = PTE pages, keyed by
    /// the virtual page number shifted by 27, 18 and 9.
    @usableFromInline var pud: [UInt64: PageFrameNumber] = [:]
    @usableFromInline var pmd: [UInt64: PageFrameNumber] = [:]
    @usableFromInline var pte: [UInt64: PageFrameNumber] = [:]
    /// PMD-level leaves (2 MiB, `.huge`), keyed by the virtual page number shifted by 9. A range
    /// mapped huge has no PTE page and no 4 KiB entries.
    @usableFromInline var huge: [UInt64: PageTableEntry] = [:]
    /// The page-table page deposited with each huge entry (`pgtable_trans_huge_deposit`), keyed
    /// like `huge`: counted in pgtables_bytes, it becomes the PTE page when the entry is split.
    @usableFromInline var deposited: [UInt64: PageFrameNumber] = [:]
    /// The top-level page (PGD), allocated with the mm.
    public let pgd: PageFrameNumber

    public init(pgd: PageFrameNumber) { self.pgd = pgd }

    /// The entry for virtual page `vpn`, if one is present.
    @inlinable public func entry(_ vpn: UInt64) -> PageTableEntry? { entries[vpn] }

    /// Number of leaf entries present (4 KiB entries; a huge entry counts once).
    public var count: Int { entries.count + huge.count }

    /// The 2 MiB entry covering virtual page `vpn`, if the range is mapped huge.
    @inlinable public func hugeEntry(_ vpn: UInt64) -> PageTableEntry? { huge.isEmpty ? nil : huge[vpn >> 9] }

    /// The huge entries whose 2 MiB range starts in [firstVPN, endVPN), in address order; `vpn`
    /// is the first page of each range (a multiple of 512).
    public func hugeMappings(_ firstVPN: UInt64, _ endVPN: UInt64) -> [(vpn: UInt64, entry: PageTableEntry)] {
        guard !huge.isEmpty, firstVPN < endVPN else { return [] }
        return huge.keys.sorted().filter { $0 << 9 >= firstVPN && $0 << 9 < endVPN }.map { ($0 << 9, huge[$0]!) }
    }

    /// Page-table pages in use, the PGD included (pgtables_bytes / 4096).
    public var tablePages: Int { 1 + pud.count + pmd.count + pte.count + deposited.count }

    /// True when any 2 MiB entry is present.
    @inlinable public var hasHuge: Bool { !huge.isEmpty }

    /// Installs `entry` for `vpn`, allocating missing table pages with `allocate`. Returns false
    /// (and changes nothing) when a table page could not be allocated.
    @inlinable
    public mutating func map(_ vpn: UInt64, _ entry: PageTableEntry, allocate: () -> PageFrameNumber?) -> Bool {
        if pte[vpn >> 9] == nil {
            var fresh: [PageFrameNumber] = []
            if pud[vpn >> 27] == nil { guard let f = allocate() else { return false }; fresh.append(f) }
            if pmd[vpn >> 18] == nil { guard let f = allocate() else { return false }; fresh.append(f) }
            guard let f = allocate() else { return false }
            var k = 0
            if pud[vpn >> 27] == nil { pud[vpn >> 27] = fresh[k]; k += 1 }
            if pmd[vpn >> 18] == nil { pmd[vpn >> 18] = fresh[k]; k += 1 }
            pte[vpn >> 9] = f
        }
        entries[vpn] = entry
        return true
    }

    /// Replaces the bits or frame of a present entry.
    @inlinable public mutating func update(_ vpn: UInt64, _ entry: PageTableEntry) { entries[vpn] = entry }

    /// Removes and returns the entry for `vpn`.
    @inlinable public mutating func unmap(_ vpn: UInt64) -> PageTableEntry? { entries.removeValue(forKey: vpn) }

    /// The virtual page numbers with entries in [firstVPN, endVPN), in order, visiting only the
    /// PTE pages that exist.
    public func mappedPages(_ firstVPN: UInt64, _ endVPN: UInt64) -> [UInt64] {
        guard firstVPN < endVPN else { return [] }
        var result: [UInt64] = []
        let span = (endVPN - 1) >> 9 - firstVPN >> 9 + 1
        if span > UInt64(pte.count) {
            for t in pte.keys.sorted() where t >= firstVPN >> 9 && t <= (endVPN - 1) >> 9 {
                collect(t, firstVPN, endVPN, &result)
            }
        } else {
            for t in (firstVPN >> 9)...((endVPN - 1) >> 9) where pte[t] != nil { collect(t, firstVPN, endVPN, &result) }
        }
        return result
    }

    private func collect(_ table: UInt64, _ lo: UInt64, _ hi: UInt64, _ out: inout [UInt64]) {
        let first = max(table << 9, lo), last = min((table << 9) + 512, hi)
        for v in first..<last where entries[v] != nil { out.append(v) }
    }

    /// The table frames a hardware walk for `vpn` reads, top level first (PGD, PUD, PMD, PTE pages);
    /// shorter when a level is missing.
    public func walk(_ vpn: UInt64) -> [PageFrameNumber] {
        var frames = [pgd]
        guard let a = pud[vpn >> 27] else { return frames }
        frames.append(a)
        guard let b = pmd[vpn >> 18] else { return frames }
        frames.append(b)
        if hugeEntry(vpn) != nil { return frames }
        guard let c = pte[vpn >> 9] else { return frames }
        frames.append(c)
        return frames
    }

    /// Every table frame including the PGD (to free them when the mm goes away).
    public var allTableFrames: [PageFrameNumber] {
        [pgd] + pud.keys.sorted().map { pud[$0]! } + pmd.keys.sorted().map { pmd[$0]! } + pte.keys.sorted().map { pte[$0]! }
            + deposited.keys.sorted().map { deposited[$0]! }
    }

    /// Every present leaf, in virtual-page order.
    public var allEntries: [(vpn: UInt64, entry: PageTableEntry)] {
        entries.keys.sorted().map { ($0, entries[$0]!) }
    }
}
