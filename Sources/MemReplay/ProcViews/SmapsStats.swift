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
/// mappings (`kernel.thpMappings`) plus its own PTE mappings; one PMD mapping and no PTE mapping
/// makes the whole 2 MiB private (`page_count == 1`).
struct SmapsStats {
    static let pssShift: UInt64 = 12
    var resident: UInt64 = 0, referenced: UInt64 = 0, anonymous: UInt64 = 0
    var anonymousTHP: UInt64 = 0, shmemTHP: UInt64 = 0, fileTHP: UInt64 = 0
    var sharedClean: UInt64 = 0, sharedDirty: UInt64 = 0, privateClean: UInt64 = 0, privateDirty: UInt64 = 0
    var pss: UInt64 = 0, pssDirty: UInt64 = 0, pssLocked: UInt64 = 0

    init() {}

    init(_ v: VirtualMemoryArea, process p: ProcessState, kernel k: LinuxKernel) {
        let locked = v.flags.contains(.locked)
        var dirtyFile: Set<UInt64> = []
        if case .file(let id) = v.backing, let f = k.cache.files[id] { dirtyFile = f.dirty }
        for (_, e) in p.table.hugeMappings(v.start >> 12, v.end >> 12) {
            guard e.frame != k.hugeZeroFrame else { continue }
            let size: UInt64 = 2 << 20
            let anon: Bool
            switch v.backing {
            case .anonymous: anon = true; anonymousTHP += size
            case .shmem: anon = false; shmemTHP += size
            case .file: anon = e.flags.contains(.anonymous); if anon { anonymousTHP += size } else { fileTHP += size }
            }
            resident += size; referenced += size
            if anon { anonymous += size }
            let dirty = anon || e.flags.contains(.dirty)
            let pmdMaps = max(1, k.thpMappings[e.frame] ?? 1)
            var ptes: [Int32] = []
            var anyPTE = false
            for i in 0..<UInt64(512) {
                let n = k.frames.mapCountOf(PageFrameNumber(e.frame.rawValue + i))
                ptes.append(n); if n > 0 { anyPTE = true }
            }
            if pmdMaps == 1 && !anyPTE {
                accumulate(size: size, pss: size << SmapsStats.pssShift, dirty: dirty, locked: locked, isPrivate: true)
            } else {
                for n in ptes { page(mapcount: Int64(pmdMaps) + Int64(n), dirty: dirty, locked: locked) }
            }
        }
        for vpn in p.table.mappedPages(v.start >> 12, v.end >> 12) {
            guard let e = p.table.entry(vpn), e.frame != k.frames.zeroPage else { continue }
            let anon = e.flags.contains(.anonymous)
            resident += 4096; referenced += 4096
            if anon { anonymous += 4096 }
            let dirty = anon || e.flags.contains(.dirty) || (!anon && dirtyFile.contains(v.pageOffset(of: vpn << 12)))
            page(mapcount: Int64(k.frames.mapCountOf(e.frame)), dirty: dirty, locked: locked)
        }
    }

    /// One 4 KiB page mapped `mapcount` times (the per-page loop of `smaps_account`).
    mutating func page(mapcount: Int64, dirty: Bool, locked: Bool) {
        var share: UInt64 = 4096 << SmapsStats.pssShift
        if mapcount >= 2 { share /= UInt64(mapcount) }
        accumulate(size: 4096, pss: share, dirty: dirty, locked: locked, isPrivate: mapcount < 2)
    }

    /// `smaps_page_accumulate`.
    mutating func accumulate(size: UInt64, pss share: UInt64, dirty: Bool, locked: Bool, isPrivate: Bool) {
        pss += share
        if locked { pssLocked += share }
        if dirty {
            pssDirty += share
            if isPrivate { privateDirty += size } else { sharedDirty += size }
        } else {
            if isPrivate { privateClean += size } else { sharedClean += size }
        }
    }
}
