/// Per-frame facts the layers above keep with the frame store: the entire (PMD) mapcount of a
/// transparent huge page and the owner of each user or page-cache page (include/linux/mm.h,
/// mm/rmap.c). Like the mapcount, each moves with a page compaction migrates and is reset when
/// the frame is freed.
extension PhysicalMemory {
    /// PMD mappings of the THP headed by `frame` (`folio_entire_mapcount`); 0 for any other frame.
    public func entireMapCountOf(_ frame: PageFrameNumber) -> Int32 {
        frame.rawValue < endPFN ? compoundMapCount[Int(frame.rawValue)] : 0
    }

    /// Adds `delta` to the entire mapcount of the THP headed by `frame` (`folio_add_anon_rmap_pmd`
    /// and `folio_remove_rmap_pmd`: `_entire_mapcount` up or down), keeping `entireMappedFolios`.
    public mutating func adjustEntireMapCount(_ frame: PageFrameNumber, by delta: Int32) {
        ensureUnique()
        guard frame.rawValue < endPFN else { return }
        let i = Int(frame.rawValue)
        let old = compoundMapCount[i]
        compoundMapCount[i] = old + delta
        if old == 0 && delta != 0 { entireMappedFolios += 1 } else if old != 0 && old + delta == 0 { entireMappedFolios -= 1 }
    }

    /// The owner of `frame` (`folio->mapping` and `folio->index`); `.none` for frames beyond memory.
    public func ownerOf(_ frame: PageFrameNumber) -> FrameOwner {
        guard frame.rawValue < endPFN else { return .none }
        let i = Int(frame.rawValue)
        return FrameOwner(id: ownerID[i], packed: ownerIndex[i])
    }

    /// Gives `frame` its owner (`folio_add_new_anon_rmap`, `filemap_add_folio`,
    /// `shmem_add_to_page_cache`); frames beyond memory and the zero page keep none.
    @inline(__always) public mutating func setOwner(_ frame: PageFrameNumber, _ owner: FrameOwner) {
        ensureUnique()
        guard frame != zeroPage, frame.rawValue < endPFN else { return }
        let i = Int(frame.rawValue)
        ownerID[i] = owner.id; ownerIndex[i] = owner.packed
    }

    /// Gives the 2^order frames of the compound page at `head` their owner: the head `owner`,
    /// each tail page the index after its predecessor's (`__folio_set_anon` on a THP, whose
    /// subpages keep head index + i once split: `__split_huge_page_tail`).
    public mutating func setOwner(_ head: PageFrameNumber, order: Int, _ owner: FrameOwner) {
        ensureUnique()
        let i = Int(head.rawValue)
        guard head.rawValue + (1 << UInt64(order)) <= endPFN else { return }
        for k in 0..<(1 << order) {
            let o = owner.advanced(by: UInt64(k))
            ownerID[i + k] = o.id; ownerIndex[i + k] = o.packed
        }
    }
}
