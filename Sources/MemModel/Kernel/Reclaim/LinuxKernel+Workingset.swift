import MemTrace

extension LinuxKernel {
    /// Page `index` of `file` is being read back into the cache: `workingset_refault`
    /// (mm/workingset.c) with the shadow entry its eviction left. The refault distance — pages
    /// evicted or activated on that lruvec since — against the workingset size (the active file
    /// list, plus both anon lists while swap space is left) decides whether the new folio starts
    /// on the active list; a folio that was in the workingset when evicted is restored to it and
    /// charges the refault to the file cost (`lru_note_cost_refault`). True when it starts active.
    mutating func workingsetRefault(_ file: FileID, _ index: UInt64, frame: PageFrameNumber) -> Bool {
        guard let shadow = cache.takeShadow(file, index), shadow.lruvec < reclaim.vectors.count else { return false }
        let v = shadow.lruvec, pages = frames.folioPages(frame)
        reclaim.stats.workingsetRefaultFile += pages
        let distance = reclaim.vectors[v].nonresidentAge &- shadow.eviction
        let top = ZoneType.all.last!
        var workingset = lruSize(v, .activeFile, upTo: top)
        if swapPagesFree > 0 { workingset += lruSize(v, .activeAnon, upTo: top) + lruSize(v, .inactiveAnon, upTo: top) }
        guard distance <= workingset else { return false }
        reclaim.age(v, by: pages)
        reclaim.noteActivation(v, file: true, pages: pages)
        reclaim.stats.workingsetActivateFile += pages
        if shadow.workingset {
            frames.updateFolioFlags(frame) { $0.insert(.workingset) }
            reclaim.noteCost(v, file: true, pages: pages, lruPages: evictableSize(v))
            reclaim.stats.workingsetRestoreFile += pages
        }
        return true
    }

    /// `folio_mark_accessed` (mm/swap.c): a first access sets PG_referenced; a second one moves
    /// an inactive folio to the active list (`folio_activate`, pgactivate), clears the flag and
    /// ages the non-resident pages (`workingset_activation`).
    mutating func markAccessed(_ f: PageFrameNumber) {
        let flags = frames.folioFlags(f)
        if !flags.contains(.referenced) {
            frames.updateFolioFlags(f) { $0.insert(.referenced) }
            return
        }
        guard !flags.contains(.unevictable), let list = frames.lruListOf(f), !list.isActive else { return }
        frames.lruDelete(f)
        frames.lruAdd(f, list.active)
        frames.updateFolioFlags(f) { $0.remove(.referenced) }
        let pages = frames.folioPages(f)
        reclaim.stats.pgactivate += pages
        if frames.locations.location(of: f) != nil { reclaim.age(frames.lruvecOf(f), by: pages) }
    }
}

extension LinuxKernel {
    /// `filemap_add_folio`: `frame` becomes page `index` of `file` (owner set, cached), replacing a
    /// shadow entry if one was there; a refault within the workingset starts active
    /// (`workingset_refault`).
    mutating func addToPageCache(_ file: FileID, _ index: UInt64, _ frame: PageFrameNumber) {
        frames.setOwner(frame, .file(file, page: index))
        cache.insertPage(file, index, frame)
        if workingsetRefault(file, index, frame: frame), frames.lruListOf(frame) == .inactiveFile {
            frames.lruDelete(frame)
            frames.lruAdd(frame, .activeFile)
        }
    }
}
