import MemTrace

/// The LRU lists as per-frame facts of the frame store: an allocated frame on an LRU is linked
/// through the same `next`/`prev` words a free frame uses for the free lists (a frame is free or
/// on an LRU, as Linux reuses `page->lru`), with its list and page flags beside them. Lists are
/// kept per lruvec (a node's, or later a memory cgroup's on a node) and their sizes per zone
/// (NR_ZONE_LRU_BASE + lru), as `update_lru_size` keeps them. New entries go to the head
/// (`lruvec_add_folio`); reclaim takes from the tail.
///
/// A transparent huge page is one entry (its head frame) of 512 pages (`folio_nr_pages`).
/// Compaction moves an entry's place in its list to the frame it migrates to.
extension PhysicalMemory {
    /// The lruvec of a frame (`folio_lruvec`: its memory cgroup's lruvec on its node, numbered
    /// memcg id · nodes + node, so the root cgroup's lruvecs are the nodes').
    @inlinable func lruvecOf(_ f: PageFrameNumber) -> Int {
        Int(store.memcg[Int(f.rawValue)]) * store.nodes + (locations.location(of: f)?.node ?? 0)
    }

    /// Lruvecs now (memory cgroups · nodes).
    public var lruvecCount: Int { store.lruvecs }

    /// Makes room for the lruvecs of `groups` memory cgroups (the root included).
    public mutating func ensureLruvecs(groups: Int) {
        ensureUnique()
        store.growLruvecs(to: groups * store.nodes)
    }

    /// The memory cgroup `f` is charged to (0: the root or none).
    public func memcgOf(_ f: PageFrameNumber) -> Int {
        f.rawValue < endPFN ? Int(store.memcg[Int(f.rawValue)]) : 0
    }

    /// Charges the 2^order frames at `f` to cgroup `id` (`commit_charge`: `folio->memcg_data`);
    /// the frame must be off every LRU, as a new folio is before `folio_add_lru`.
    public mutating func setMemcg(_ f: PageFrameNumber, order: Int = 0, _ id: Int) {
        ensureUnique()
        let i = Int(f.rawValue)
        for k in i..<(i + (1 << order)) { store.memcg[k] = UInt16(id) }
    }

    /// Pages on `list` of `node` in zones of type `zone` over every cgroup's lruvec there
    /// (the node's NR_ZONE_LRU_BASE + lru).
    public func nodeLRUPages(_ node: Int, _ list: LRUList, zone: ZoneType) -> UInt64 {
        var n: UInt64 = 0
        var v = node
        while v < store.lruvecs { n += lruPages(v, list, zone: zone); v += store.nodes }
        return n
    }

    /// Pages on `list` of `node` in all zones, over every cgroup's lruvec there.
    public func nodeLRUPages(_ node: Int, _ list: LRUList) -> UInt64 {
        ZoneType.all.reduce(0) { $0 + nodeLRUPages(node, list, zone: $1) }
    }

    /// The list `f` is on; nil when off every LRU (free, kernel memory, or isolated by reclaim).
    public func lruListOf(_ f: PageFrameNumber) -> LRUList? {
        guard f.rawValue < endPFN else { return nil }
        return LRUList(rawValue: store.lruList[Int(f.rawValue)])
    }

    /// Pages on `list` of lruvec `v` in zones of type `zone` (`lruvec_page_state` per zone).
    public func lruPages(_ v: Int, _ list: LRUList, zone: ZoneType) -> UInt64 {
        guard v < store.lruvecs else { return 0 }
        return store.lruSize[(v * LRUList.allCases.count + Int(list.rawValue)) * ZoneType.count + Int(zone.rawValue)]
    }

    /// Pages on `list` of lruvec `v` in all zones.
    public func lruPages(_ v: Int, _ list: LRUList) -> UInt64 {
        ZoneType.all.reduce(0) { $0 + lruPages(v, list, zone: $1) }
    }

    /// Pages of the folio `f` heads: 512 for a transparent huge page, else 1.
    @inlinable public func folioPages(_ f: PageFrameNumber) -> UInt64 {
        useOf(f) == .anonHuge ? HugePage.pages : 1
    }

    /// The page flags of `f`.
    public func folioFlags(_ f: PageFrameNumber) -> FolioFlags {
        f.rawValue < endPFN ? FolioFlags(rawValue: store.folioFlags[Int(f.rawValue)]) : []
    }

    /// Changes the page flags of `f`.
    public mutating func updateFolioFlags(_ f: PageFrameNumber, _ body: (inout FolioFlags) -> Void) {
        guard f.rawValue < endPFN else { return }
        ensureUnique()
        var flags = FolioFlags(rawValue: store.folioFlags[Int(f.rawValue)])
        body(&flags)
        store.folioFlags[Int(f.rawValue)] = flags.rawValue
    }

    /// The tail (oldest) entry of `list` in lruvec `v`.
    public func lruTail(_ v: Int, _ list: LRUList) -> PageFrameNumber? {
        guard v < store.lruvecs else { return nil }
        let t = store.lruTail[v * LRUList.allCases.count + Int(list.rawValue)]
        return t == PhysicalMemory.none ? nil : PageFrameNumber(UInt64(t))
    }

    /// The entry before `f` on its list (toward the head), if any.
    public func lruPrevious(_ f: PageFrameNumber) -> PageFrameNumber? {
        guard f.rawValue < endPFN, store.lruList[Int(f.rawValue)] != PhysicalMemory.offLRU else { return nil }
        let p = prev[Int(f.rawValue)]
        return p == PhysicalMemory.none ? nil : PageFrameNumber(UInt64(p))
    }

    @inlinable func lruIndex(_ v: Int, _ list: LRUList) -> Int { v * LRUList.allCases.count + Int(list.rawValue) }

    /// `lruvec_add_folio`: `f` (off every list) goes to the head of `list` in its lruvec.
    public mutating func lruAdd(_ f: PageFrameNumber, _ list: LRUList) {
        ensureUnique()
        let i = Int(f.rawValue), l = lruIndex(lruvecOf(f), list)
        precondition(store.lruList[i] == PhysicalMemory.offLRU, "frame \(f) is on an LRU already")
        let head = store.lruHead[l]
        next[i] = head; prev[i] = PhysicalMemory.none
        if head != PhysicalMemory.none { prev[Int(head)] = UInt32(i) } else { store.lruTail[l] = UInt32(i) }
        store.lruHead[l] = UInt32(i)
        store.lruList[i] = list.rawValue
        adjustLRUSize(f, l, by: Int64(folioPages(f)))
    }

    /// `lruvec_add_folio_tail`: `f` goes to the tail of `list` (`folio_rotate_reclaimable`).
    public mutating func lruAddTail(_ f: PageFrameNumber, _ list: LRUList) {
        ensureUnique()
        let i = Int(f.rawValue), l = lruIndex(lruvecOf(f), list)
        precondition(store.lruList[i] == PhysicalMemory.offLRU, "frame \(f) is on an LRU already")
        let tail = store.lruTail[l]
        prev[i] = tail; next[i] = PhysicalMemory.none
        if tail != PhysicalMemory.none { next[Int(tail)] = UInt32(i) } else { store.lruHead[l] = UInt32(i) }
        store.lruTail[l] = UInt32(i)
        store.lruList[i] = list.rawValue
        adjustLRUSize(f, l, by: Int64(folioPages(f)))
    }

    /// `lruvec_del_folio`: `f` leaves its list (nothing when it is on none).
    public mutating func lruDelete(_ f: PageFrameNumber) {
        guard f.rawValue < endPFN, store.lruList[Int(f.rawValue)] != PhysicalMemory.offLRU else { return }
        ensureUnique()
        let i = Int(f.rawValue)
        let l = lruIndex(lruvecOf(f), LRUList(rawValue: store.lruList[i])!)
        let n = next[i], p = prev[i]
        if p != PhysicalMemory.none { next[Int(p)] = n } else { store.lruHead[l] = n }
        if n != PhysicalMemory.none { prev[Int(n)] = p } else { store.lruTail[l] = p }
        next[i] = PhysicalMemory.none; prev[i] = PhysicalMemory.none
        store.lruList[i] = PhysicalMemory.offLRU
        adjustLRUSize(f, l, by: -Int64(folioPages(f)))
    }

    /// Compaction moved the page of `from` to `to`: `to` takes `from`'s place in its list and
    /// its page flags (`folio_migrate_flags`, `migrate_folio`'s putback on the same list).
    mutating func lruMigrate(from: PageFrameNumber, to: PageFrameNumber) {
        // The charge moves with the page (`mem_cgroup_migrate`).
        store.memcg[Int(to.rawValue)] = store.memcg[Int(from.rawValue)]
        defer { store.memcg[Int(from.rawValue)] = 0 }
        let flags = store.folioFlags[Int(from.rawValue)]
        store.folioFlags[Int(to.rawValue)] = flags
        store.folioFlags[Int(from.rawValue)] = 0
        guard let list = lruListOf(from) else { return }
        let i = Int(from.rawValue), j = Int(to.rawValue), l = lruIndex(lruvecOf(from), list)
        let n = next[i], p = prev[i]
        adjustLRUSize(from, l, by: -Int64(folioPages(from)))
        store.lruList[i] = PhysicalMemory.offLRU
        next[i] = PhysicalMemory.none; prev[i] = PhysicalMemory.none
        let lt = lruIndex(lruvecOf(to), list)
        if lt == l {
            next[j] = n; prev[j] = p
            if p != PhysicalMemory.none { next[Int(p)] = UInt32(j) } else { store.lruHead[l] = UInt32(j) }
            if n != PhysicalMemory.none { prev[Int(n)] = UInt32(j) } else { store.lruTail[l] = UInt32(j) }
            store.lruList[j] = list.rawValue
            adjustLRUSize(to, l, by: Int64(folioPages(to)))
        } else {
            // Another node: the neighbours close ranks and the page joins the other lruvec's head.
            if p != PhysicalMemory.none { next[Int(p)] = n } else { store.lruHead[l] = n }
            if n != PhysicalMemory.none { prev[Int(n)] = p } else { store.lruTail[l] = p }
            store.lruList[j] = PhysicalMemory.offLRU
            lruAdd(to, list)
        }
    }

    mutating func adjustLRUSize(_ f: PageFrameNumber, _ l: Int, by delta: Int64) {
        let zone = locations.location(of: f)?.zone.rawValue ?? 0
        let k = l * ZoneType.count + Int(zone)
        store.lruSize[k] = UInt64(Int64(store.lruSize[k]) + delta)
    }
}
