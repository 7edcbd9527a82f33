import MemTrace
import MemModel

/// One VMA's `struct mem_size_stats` (fs/proc/task_mmu.c, Linux 6.1): byte counts, and the
/// proportional sums in PSS_SHIFT (12-bit) fixed point, gathered as `smap_gather_stats` walks the
/// page table.
///
/// Per present 4 KiB PTE (`smaps_pte_entry`; the shared zero page is no "normal page" and counts
/// nothing) and per 2 MiB PMD (`smaps_pmd_entry`; the huge zero page counts nothing either),
/// `smaps_account` adds the size to Rss and Referenced, to Anonymous for anonymous pages, and then
/// per 4 KiB page with mapcount n: `(4096 << 12) / n` to Pss when n ≥ 2 (shared), `4096 << 12` when
/// n < 2 (private); dirty (PTE dirty, or the page-cache page dirty: `dirty || PageDirty(page)`; the
/// model's anonymous pages are always written ones, so dirty) goes to `*_Dirty` and Pss_Dirty,
/// the rest to `*_Clean`; VM_LOCKED adds the Pss to Locked. A THP's subpage mapcount is its PMD
/// mappings (`kernel.frames.entireMapCountOf`) plus its own PTE mappings; one PMD mapping and no PTE mapping
/// makes the whole 2 MiB private (`page_count == 1`).
///
/// Swap: each swap entry in the VMA's page table adds 4 KiB to Swap and 4 KiB / its slot's
/// count (`swp_swapcount`) to SwapPss; a shared shmem mapping adds its object's pages in swap
/// within the VMA's range (`shmem_swap_usage`) to Swap only.
struct SmapsStats {
    static let pssShift: UInt64 = 12
    var resident: UInt64 = 0, referenced: UInt64 = 0, anonymous: UInt64 = 0
    var anonymousTHP: UInt64 = 0, shmemTHP: UInt64 = 0, fileTHP: UInt64 = 0
    var sharedClean: UInt64 = 0, sharedDirty: UInt64 = 0, privateClean: UInt64 = 0, privateDirty: UInt64 = 0
    var pss: UInt64 = 0, pssDirty: UInt64 = 0, pssLocked: UInt64 = 0
    /// Pss by the page's kind (`PageAnon`, `PageSwapBacked` = shmem, else file), for smaps_rollup.
    var pssAnon: UInt64 = 0, pssFile: UInt64 = 0, pssShmem: UInt64 = 0
    /// Swap in bytes and SwapPss in PSS_SHIFT fixed point.
    var swap: UInt64 = 0, swapPss: UInt64 = 0

    /// What a page is, as `smaps_page_accumulate` splits Pss.
    enum Kind { case anonymous, shmem, file }

    init() {}

    init(_ v: VirtualMemoryArea, process p: ProcessState, kernel k: LinuxKernel) {
        let locked = v.flags.contains(.locked)
        if p.table.hasSwapEntries {
            for (_, e) in p.table.swapEntries(Page.number(of: v.start), Page.number(of: v.end)) {
                swap += Page.size
                let n = UInt64(max(1, k.swap.count(e)))
                swapPss += (Page.size << SmapsStats.pssShift) / n
            }
        }
        if case .shmem(let o) = v.backing, v.isShared {
            swap += Page.bytes(k.shmemSwapped(o, first: v.pageOffset(of: v.start), count: v.pages))
        }
        var dirtyFile: Set<UInt64> = []
        if case .file(let id) = v.backing, let f = k.cache.files[id] { dirtyFile = f.dirty }
        for (_, e) in p.table.hugeMappings(Page.number(of: v.start), Page.number(of: v.end)) {
            guard e.frame != k.hugeZeroFrame else { continue }
            let size = HugePage.size
            let anon: Bool
            let kind: Kind
            switch v.backing {
            case .anonymous: anon = true; anonymousTHP += size; kind = .anonymous
            case .shmem: anon = false; shmemTHP += size; kind = .shmem
            case .file:
                anon = e.flags.contains(.anonymous)
                if anon { anonymousTHP += size } else { fileTHP += size }
                kind = anon ? .anonymous : .file
            }
            resident += size; referenced += size
            if anon { anonymous += size }
            let dirty = anon || e.flags.contains(.dirty)
            let pmdMaps = max(1, k.frames.entireMapCountOf(e.frame))
            var ptes: [Int32] = []
            var anyPTE = false
            for i in 0..<HugePage.pages {
                let n = k.frames.mapCountOf(PageFrameNumber(e.frame.rawValue + i))
                ptes.append(n); if n > 0 { anyPTE = true }
            }
            if pmdMaps == 1 && !anyPTE {
                accumulate(size: size, pss: size << SmapsStats.pssShift, kind: kind, dirty: dirty, locked: locked, isPrivate: true)
            } else {
                for n in ptes { page(mapcount: Int64(pmdMaps) + Int64(n), kind: kind, dirty: dirty, locked: locked) }
            }
        }
        for vpn in p.table.mappedPages(Page.number(of: v.start), Page.number(of: v.end)) {
            guard let e = p.table.entry(vpn), e.frame != k.frames.zeroPage else { continue }
            let anon = e.flags.contains(.anonymous)
            resident += Page.size; referenced += Page.size
            if anon { anonymous += Page.size }
            let dirty = anon || e.flags.contains(.dirty) || (!anon && dirtyFile.contains(v.pageOffset(of: Page.address(ofNumber: vpn))))
            let kind: Kind = anon ? .anonymous : e.flags.contains(.shmem) ? .shmem : .file
            page(mapcount: Int64(k.frames.mapCountOf(e.frame)), kind: kind, dirty: dirty, locked: locked)
        }
    }

    /// One 4 KiB page mapped `mapcount` times (the per-page loop of `smaps_account`).
    mutating func page(mapcount: Int64, kind: Kind, dirty: Bool, locked: Bool) {
        var share: UInt64 = Page.size << SmapsStats.pssShift
        if mapcount >= 2 { share /= UInt64(mapcount) }
        accumulate(size: Page.size, pss: share, kind: kind, dirty: dirty, locked: locked, isPrivate: mapcount < 2)
    }

    /// `smaps_page_accumulate`.
    mutating func accumulate(size: UInt64, pss share: UInt64, kind: Kind, dirty: Bool, locked: Bool, isPrivate: Bool) {
        pss += share
        switch kind {
        case .anonymous: pssAnon += share
        case .shmem: pssShmem += share
        case .file: pssFile += share
        }
        if locked { pssLocked += share }
        if dirty {
            pssDirty += share
            if isPrivate { privateDirty += size } else { sharedDirty += size }
        } else {
            if isPrivate { privateClean += size } else { sharedClean += size }
        }
    }

    /// Adds another VMA's figures (smaps_rollup gathers every VMA into one `mem_size_stats`).
    mutating func add(_ o: SmapsStats) {
        resident += o.resident; referenced += o.referenced; anonymous += o.anonymous
        anonymousTHP += o.anonymousTHP; shmemTHP += o.shmemTHP; fileTHP += o.fileTHP
        sharedClean += o.sharedClean; sharedDirty += o.sharedDirty; privateClean += o.privateClean; privateDirty += o.privateDirty
        pss += o.pss; pssDirty += o.pssDirty; pssLocked += o.pssLocked
        pssAnon += o.pssAnon; pssFile += o.pssFile; pssShmem += o.pssShmem
        swap += o.swap; swapPss += o.swapPss
    }
}
