import MemTrace

/// The unevictable LRU for mlocked pages (mm/mlock.c, Linux 6.1): a page mapped by a VM_LOCKED
/// VMA gets PG_mlocked and PG_unevictable and moves to the unevictable list, where reclaim never
/// scans it; when no VM_LOCKED VMA maps it any more it goes back to an evictable list.
///
/// The kernel keeps `folio->mlock_count`, a count it calls approximate and lets reclaim correct;
/// the model asks the reverse map instead whether a VM_LOCKED VMA still maps the folio, which is
/// what the count approximates.
extension LinuxKernel {
    /// The folio head of `f`: a THP's pages share the head's LRU entry and flags.
    func folioHead(_ f: PageFrameNumber) -> PageFrameNumber {
        frames.useOf(f) == .anonHuge ? PageFrameNumber(f.rawValue & ~(HugePage.pages - 1)) : f
    }

    /// `mlock_folio` / `mlock_new_folio`: PG_mlocked set (NR_MLOCK and `unevictable_pgs_mlocked`
    /// up by the folio's pages), and the folio moved from its evictable list to the unevictable
    /// one (`__mlock_folio`: PG_unevictable, `unevictable_pgs_culled`). A folio off every list
    /// (isolated by reclaim) goes to the unevictable list when it is put back (`putBack`).
    mutating func mlockFolio(_ frame: PageFrameNumber) {
        guard frame != frames.zeroPage, frame != hugeZeroFrame else { return }
        let f = folioHead(frame)
        switch frames.useOf(f) {
        case .anonymous, .anonHuge, .file, .shmem: break
        default: return
        }
        guard !frames.folioFlags(f).contains(.unevictable) else { return }
        let pages = frames.folioPages(f)
        frames.updateFolioFlags(f) { $0.insert(.unevictable) }
        reclaim.stats.unevictableMlocked += pages
        if let list = frames.lruListOf(f) {
            frames.lruDelete(f)
            frames.lruAdd(f, .unevictable)
            if list != .unevictable { reclaim.stats.unevictableCulled += pages }
        }
    }

    /// Whether a VM_LOCKED VMA maps `frame` (by a PTE, or a PMD for a THP): what
    /// `folio->mlock_count` stands for.
    func mappedLocked(_ frame: PageFrameNumber) -> Bool {
        let f = folioHead(frame)
        var locked = false
        if frames.useOf(f) == .anonHuge {
            for (p, vpn) in hugeMappers(f) {
                if let vi = p.space.find(Page.address(ofNumber: vpn)), p.space.areas[vi].flags.contains(.locked) { return true }
            }
            for i in 0..<HugePage.pages where !locked {
                rmapWalk(PageFrameNumber(f.rawValue + i)) { p, vi, _ in
                    if p.space.areas[vi].flags.contains(.locked) { locked = true; return false }
                    return true
                }
            }
            return locked
        }
        rmapWalk(f) { p, vi, _ in
            if p.space.areas[vi].flags.contains(.locked) { locked = true; return false }
            return true
        }
        return locked
    }

    /// `munlock_folio` → `__munlock_folio` once the last VM_LOCKED mapping of the folio is gone:
    /// PG_mlocked cleared (NR_MLOCK down, `unevictable_pgs_munlocked`), PG_unevictable cleared and
    /// the folio back on its inactive evictable list (`unevictable_pgs_rescued`). A folio still
    /// mapped by a VM_LOCKED VMA stays locked.
    mutating func munlockFolio(_ frame: PageFrameNumber) {
        let f = folioHead(frame)
        guard frames.folioFlags(f).contains(.unevictable), !mappedLocked(f) else { return }
        let pages = frames.folioPages(f)
        frames.updateFolioFlags(f) { $0.remove(.unevictable) }
        reclaim.stats.unevictableMunlocked += pages
        if frames.lruListOf(f) == .unevictable {
            frames.lruDelete(f)
            frames.lruAdd(f, listFor(f, active: false))
            reclaim.stats.unevictableRescued += pages
        }
    }

    /// `mlock_vma_pages_range` (`mlock_pte_range`): after `mlock` set VM_LOCKED on [start, end),
    /// every page already mapped there is mlocked; after `munlock` cleared it, every mapped page
    /// is munlocked (those another VM_LOCKED VMA maps stay locked).
    mutating func mlockRange(_ p: ProcessState, _ start: UInt64, _ end: UInt64, locked: Bool) {
        var seen: Set<PageFrameNumber> = []
        for vpn in Page.number(of: start)..<Page.count(covering: end) {
            let e = p.table.translate(vpn)
            guard let frame = e?.frame, frame != frames.zeroPage, frame != hugeZeroFrame else { continue }
            let head = folioHead(frame)
            guard seen.insert(head).inserted else { continue }
            if locked { mlockFolio(head) } else { munlockFolio(head) }
        }
    }

    /// The unevictable list's invariant: every folio on it is mapped by a VM_LOCKED VMA, and every
    /// page a VM_LOCKED VMA maps is mlocked.
    func mlockViolations() -> [String] {
        var problems: [String] = []
        for v in 0..<frames.lruvecCount {
            var f = frames.lruTail(v, .unevictable), steps = 0
            while let frame = f, steps < Int(frames.totalPages) {
                if !mappedLocked(frame) { problems.append("frame \(frame) is on the unevictable list but no VM_LOCKED VMA maps it") }
                f = frames.lruPrevious(frame); steps += 1
            }
        }
        for pid in tasks.order {
            guard let p = tasks[pid], p.alive, p.space.hasLocked else { continue }
            for v in p.space.areas where v.flags.contains(.locked) {
                for vpn in Page.number(of: v.start)..<Page.number(of: v.end) {
                    guard let frame = p.table.translate(vpn)?.frame, frame != frames.zeroPage, frame != hugeZeroFrame else { continue }
                    if !frames.folioFlags(folioHead(frame)).contains(.unevictable) {
                        problems.append("pid \(pid.rawValue): page \(vpn) of a VM_LOCKED VMA maps frame \(frame), not mlocked"); break
                    }
                }
            }
        }
        return problems
    }
}
