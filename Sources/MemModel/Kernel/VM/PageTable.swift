/// A process's 4-level x86_64 page table at 4 KiB granularity.
///
/// Leaf entries live in PTE pages of 512 packed slots (frame << 8 | bits, 0 = none), one per 2 MiB
/// range that has any, like the kernel's PTE pages; the table pages themselves (one PGD, and PUD,
/// PMD and PTE pages as ranges get populated) are real frames from the frame allocator, so they
/// show in PageTables / VmPTE, and `walk(_:)` lists the frames a hardware walk reads.
public struct PageTable: Sendable {
    /// The packed leaf slots, 512 per PTE page; slot page `k` holds slots `k*512 ..< k*512+512`.
    @usableFromInline var slots: ContiguousArray<UInt64> = []
    /// Leaf entries present.
    @usableFromInline var leafCount = 0
    /// Table pages by level: 3 = PUD pages (per PGD slot), 2 = PMD pages, 1 = PTE pages, keyed by
    /// the virtual page number shifted by 27, 18 and 9, each in a `RadixArray` of 512-slot nodes
    /// like the hardware levels' (array walks, no hashing).
    @usableFromInline var pud = RadixArray<PageFrameNumber>(bits: 9)
    @usableFromInline var pmd = RadixArray<PageFrameNumber>(bits: 9)
    @usableFromInline var pte = RadixArray<PageFrameNumber>(bits: 9)
    /// The slot page of each PTE page (same keys as `pte`).
    @usableFromInline var slotPage = RadixArray<Int32>(bits: 9)
    /// The PTE page last created or found by `map` (key = vpn >> 9, or UInt64.max) and its first
    /// slot, to skip the dictionary for neighbouring pages.
    @usableFromInline var lastKey: UInt64 = .max
    @usableFromInline var lastBase: Int = 0
    /// PMD-level leaves (2 MiB, `.huge`), keyed by the virtual page number shifted by 9. A range
    /// mapped huge has no PTE page and no 4 KiB entries.
    @usableFromInline var huge: [UInt64: PageTableEntry] = [:]
    /// The page-table page deposited with each huge entry (`pgtable_trans_huge_deposit`), keyed
    /// like `huge`: counted in pgtables_bytes, it becomes the PTE page when the entry is split.
    @usableFromInline var deposited: [UInt64: PageFrameNumber] = [:]
    /// Non-present entries that name a swap slot (`is_swap_pte`), keyed by virtual page number:
    /// pages reclaim moved to swap. A swapped page has no present entry (`entry(_:)` is nil).
    @usableFromInline var swapped = RadixArray<SwapEntry>(bits: 9)
    /// The top-level page (PGD), allocated with the mm.
    public let pgd: PageFrameNumber

    public init(pgd: PageFrameNumber) { self.pgd = pgd }

    @inlinable static func pack(_ e: PageTableEntry) -> UInt64 { e.frame.rawValue << 8 | UInt64(e.flags.rawValue) | 1 }
    @inlinable static func unpack(_ v: UInt64) -> PageTableEntry {
        PageTableEntry(frame: PageFrameNumber(v >> 8), flags: PTEFlags(rawValue: UInt8(truncatingIfNeeded: v)))
    }

    /// The first slot of the PTE page for `vpn`, if it exists.
    @inlinable func base(_ vpn: UInt64) -> Int? {
        let key = vpn >> 9
        if key == lastKey { return lastBase }
        guard let page = slotPage[key] else { return nil }
        return Int(page) << 9
    }

    /// The entry for virtual page `vpn`, if one is present.
    @inlinable public func entry(_ vpn: UInt64) -> PageTableEntry? {
        guard let b = base(vpn) else { return nil }
        let v = slots[b + Int(vpn & 511)]
        return v == 0 ? nil : PageTable.unpack(v)
    }

    /// Number of leaf entries present (4 KiB entries; a huge entry counts once).
    public var count: Int { leafCount + huge.count }

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

    /// The table pages `map(_:_:allocate:)` would allocate for `vpn`: a PUD, a PMD and a PTE page
    /// where missing (0 when the PTE page exists).
    @inlinable public func tablePagesNeeded(_ vpn: UInt64) -> Int {
        if vpn >> 9 == lastKey || slotPage[vpn >> 9] != nil { return 0 }
        return (pud[vpn >> 27] == nil ? 1 : 0) + (pmd[vpn >> 18] == nil ? 1 : 0) + 1
    }

    /// The table pages `mapHuge` would allocate for `vpn`: the deposited page, and a PUD and a
    /// PMD page where missing.
    public func hugeTablePagesNeeded(_ vpn: UInt64) -> Int {
        1 + (pud[vpn >> 27] == nil ? 1 : 0) + (pmd[vpn >> 18] == nil ? 1 : 0)
    }

    /// Installs `entry` for `vpn`, allocating missing table pages with `allocate`. Returns false
    /// (and changes nothing) when a table page could not be allocated.
    @inlinable
    public mutating func map(_ vpn: UInt64, _ entry: PageTableEntry, allocate: () -> PageFrameNumber?) -> Bool {
        let key = vpn >> 9
        var b: Int
        if key == lastKey { b = lastBase } else if let page = slotPage[key] { b = Int(page) << 9; lastKey = key; lastBase = b } else {
            var fresh: [PageFrameNumber] = []
            if pud[vpn >> 27] == nil { guard let f = allocate() else { return false }; fresh.append(f) }
            if pmd[vpn >> 18] == nil { guard let f = allocate() else { return false }; fresh.append(f) }
            guard let f = allocate() else { return false }
            var k = 0
            if pud[vpn >> 27] == nil { pud[vpn >> 27] = fresh[k]; k += 1 }
            if pmd[vpn >> 18] == nil { pmd[vpn >> 18] = fresh[k]; k += 1 }
            b = addPTEPage(key, f)
        }
        let i = b + Int(vpn & 511)
        if slots[i] == 0 { leafCount += 1 }
        slots[i] = PageTable.pack(entry)
        return true
    }

    /// Registers PTE page `frame` for `key` with 512 empty slots; returns its first slot.
    @usableFromInline mutating func addPTEPage(_ key: UInt64, _ frame: PageFrameNumber) -> Int {
        pte[key] = frame
        let page = slots.count >> 9
        slots.append(contentsOf: repeatElement(0, count: 512))
        slotPage[key] = Int32(page)
        lastKey = key; lastBase = page << 9
        return page << 9
    }

    /// Replaces the bits or frame of a present entry.
    @inlinable public mutating func update(_ vpn: UInt64, _ entry: PageTableEntry) {
        guard let b = base(vpn), slots[b + Int(vpn & 511)] != 0 else { return }
        slots[b + Int(vpn & 511)] = PageTable.pack(entry)
    }

    /// Removes and returns the entry for `vpn`.
    @inlinable public mutating func unmap(_ vpn: UInt64) -> PageTableEntry? {
        guard let b = base(vpn) else { return nil }
        let v = slots[b + Int(vpn & 511)]
        guard v != 0 else { return nil }
        slots[b + Int(vpn & 511)] = 0
        leafCount -= 1
        return PageTable.unpack(v)
    }

    /// The virtual page numbers with entries in [firstVPN, endVPN), in order, visiting only the
    /// PTE pages that exist.
    public func mappedPages(_ firstVPN: UInt64, _ endVPN: UInt64) -> [UInt64] {
        guard firstVPN < endVPN else { return [] }
        var result: [UInt64] = []
        let span = (endVPN - 1) >> 9 - firstVPN >> 9 + 1
        if span > UInt64(pte.count) {
            for t in pte.keys where t >= firstVPN >> 9 && t <= (endVPN - 1) >> 9 {
                collect(t, firstVPN, endVPN, &result)
            }
        } else {
            for t in (firstVPN >> 9)...((endVPN - 1) >> 9) where pte[t] != nil { collect(t, firstVPN, endVPN, &result) }
        }
        return result
    }

    private func collect(_ table: UInt64, _ lo: UInt64, _ hi: UInt64, _ out: inout [UInt64]) {
        guard let page = slotPage[table] else { return }
        let first = max(table << 9, lo), last = min((table << 9) + 512, hi)
        let b = Int(page) << 9
        for v in first..<last where slots[b + Int(v & 511)] != 0 { out.append(v) }
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
        [pgd] + pud.values + pmd.values + pte.values
            + deposited.keys.sorted().map { deposited[$0]! }
    }

    /// Every present leaf, in virtual-page order.
    public var allEntries: [(vpn: UInt64, entry: PageTableEntry)] {
        var out: [(vpn: UInt64, entry: PageTableEntry)] = []
        out.reserveCapacity(leafCount)
        slotPage.forEach { key, page in
            let b = Int(page) << 9
            for i in 0..<512 where slots[b + i] != 0 { out.append(((key << 9) + UInt64(i), PageTable.unpack(slots[b + i]))) }
        }
        return out
    }
}
