#if canImport(Glibc)
import Glibc
#endif

/// The physical layer's hot state in manually managed buffers: per-frame use, mapcount, compound
/// (entire) mapcount, owner, list state and links; per-pageblock type and zone; free-list and
/// per-CPU list heads, tails and lengths; per-zone free counts.
///
/// `PhysicalMemory` stays a value type: every public mutating entry point calls
/// `ensureUnique()` once (copy-on-write), after which writes go straight to memory — instead of
/// a uniqueness check per array write, which dominated the allocation path.
@usableFromInline final class FrameStore: @unchecked Sendable {
    let frames: Int, blocks: Int, lists: Int, pcpLists: Int, zones: Int
    let use: UnsafeMutablePointer<PageUse>
    let mapCount: UnsafeMutablePointer<Int32>
    /// PMD mappings of the THP headed by the frame (`folio_entire_mapcount`: `_entire_mapcount` + 1;
    /// 0 for every other frame).
    let compoundMapCount: UnsafeMutablePointer<Int32>
    /// The frame's owner (`FrameOwner`): its id, and its kind and index packed.
    let ownerID: UnsafeMutablePointer<UInt32>
    let ownerIndex: UnsafeMutablePointer<UInt64>
    /// Free-list state and links, stored complemented (all-ones, "not free" and "none", is zero).
    let state: ComplementedBuffer<UInt8>
    let next: ComplementedBuffer<UInt32>
    let prev: ComplementedBuffer<UInt32>
    let blockType: UnsafeMutablePointer<UInt8>
    let blockZone: UnsafeMutablePointer<UInt8>
    let head: UnsafeMutablePointer<UInt32>
    let tail: UnsafeMutablePointer<UInt32>
    let listLength: UnsafeMutablePointer<UInt32>
    let pcpHead: UnsafeMutablePointer<UInt32>
    let pcpTail: UnsafeMutablePointer<UInt32>
    let pcpLength: UnsafeMutablePointer<UInt32>
    let useCounts: UnsafeMutablePointer<UInt64>
    /// Per zone: NR_FREE_PAGES, pcp count, pcp free_factor, pgalloc; nr_free by zone · orders + order.
    let zoneFree: UnsafeMutablePointer<UInt64>
    let pcpCount: UnsafeMutablePointer<Int>
    let pcpFreeFactor: UnsafeMutablePointer<Int>
    let pgalloc: UnsafeMutablePointer<UInt64>
    let nrFree: UnsafeMutablePointer<UInt64>
    /// Hot copies of cold zone data (kept in step by `PhysicalMemory.syncHot`): watermarks with
    /// boost by zone · 3 + index, lowmem_reserve by zone · ZoneType.count + type, highatomic
    /// reserve, per-CPU batch and high; and per node · ZoneType.count + highest type, the
    /// preferred zone (−1 none) and whether ALLOC_NOFRAGMENT applies.
    let wmark: UnsafeMutablePointer<UInt64>
    let reserve: UnsafeMutablePointer<UInt64>
    let highAtomic: UnsafeMutablePointer<UInt64>
    let pcpBatch: UnsafeMutablePointer<Int>
    let pcpHigh: UnsafeMutablePointer<Int>
    let preferred: UnsafeMutablePointer<Int>
    let noFragment: UnsafeMutablePointer<Bool>
    @usableFromInline let nodes: Int
    /// LRU facts per frame: the list (`LRUList` raw value, `PhysicalMemory.offLRU` when on none)
    /// and the page flags (`FolioFlags`); per lruvec · list the head and tail, and per
    /// (lruvec · list) · zone type the pages (`PhysicalMemory+LRU`).
    let lruList: ComplementedBuffer<UInt8>
    let folioFlags: UnsafeMutablePointer<UInt8>
    /// Lruvecs: one per memory cgroup and node (memcg id · nodes + node; the root's are the
    /// nodes'), grown as cgroups are created (`growLruvecs`).
    private(set) var lruvecs: Int
    private(set) var lruHead: UnsafeMutablePointer<UInt32>
    private(set) var lruTail: UnsafeMutablePointer<UInt32>
    private(set) var lruSize: UnsafeMutablePointer<UInt64>
    /// The memory cgroup each frame is charged to (`folio_memcg`; 0: the root, or uncharged).
    @usableFromInline let memcg: UnsafeMutablePointer<UInt16>

    /// `n` values of `v` (at least one), freed with `free`.
    static func buffer<T>(_ n: Int, _ v: T) -> UnsafeMutablePointer<T> {
        let p = zeroed(n, of: T.self)
        p.initialize(repeating: v, count: max(n, 1))
        return p
    }

    /// `n` zero values (at least one) from `calloc`: a large table is fresh zero pages that cost
    /// nothing until written (no page is touched here), so a machine's frame tables weigh on a
    /// replay in proportion to the frames it uses, not to the machine's size.
    static func zeroed<T>(_ n: Int, of: T.Type) -> UnsafeMutablePointer<T> {
        guard let raw = calloc(max(n, 1), MemoryLayout<T>.stride) else {
            fatalError("FrameStore: cannot allocate \(n) × \(MemoryLayout<T>.stride) bytes")
        }
        return raw.bindMemory(to: T.self, capacity: max(n, 1))
    }

    /// A complemented table whose every entry reads as all-ones.
    static func complemented<T: FixedWidthInteger & UnsignedInteger>(_ n: Int, of: T.Type) -> ComplementedBuffer<T> {
        ComplementedBuffer(raw: zeroed(n, of: T.self))
    }

    init(frames: Int, zones: Int, nodes: Int) {
        self.frames = frames; self.blocks = frames >> 9; self.zones = zones; self.nodes = nodes
        wmark = FrameStore.buffer(zones * 3, 0)
        reserve = FrameStore.buffer(zones * ZoneType.count, 0)
        highAtomic = FrameStore.buffer(zones, 0)
        pcpBatch = FrameStore.buffer(zones, 1)
        pcpHigh = FrameStore.buffer(zones, 0)
        preferred = FrameStore.buffer(nodes * ZoneType.count, -1)
        noFragment = FrameStore.buffer(nodes * ZoneType.count, false)
        lists = zones * PhysicalMemory.orders * MigrateType.count
        pcpLists = zones * PhysicalMemory.pcpLists
        use = FrameStore.zeroed(frames, of: PageUse.self)            // .free: PhysicalMemory marks the rest
        mapCount = FrameStore.zeroed(frames, of: Int32.self)
        compoundMapCount = FrameStore.zeroed(frames, of: Int32.self)
        ownerID = FrameStore.zeroed(frames, of: UInt32.self)
        ownerIndex = FrameStore.zeroed(frames, of: UInt64.self)
        state = FrameStore.complemented(frames, of: UInt8.self)     // notFree
        next = FrameStore.complemented(frames, of: UInt32.self)     // none
        prev = FrameStore.complemented(frames, of: UInt32.self)
        blockType = FrameStore.buffer(blocks, MigrateType.movable.rawValue)
        blockZone = FrameStore.buffer(blocks, 0xFF)
        head = FrameStore.buffer(lists, PhysicalMemory.none)
        tail = FrameStore.buffer(lists, PhysicalMemory.none)
        listLength = FrameStore.buffer(lists, 0)
        pcpHead = FrameStore.buffer(pcpLists, PhysicalMemory.none)
        pcpTail = FrameStore.buffer(pcpLists, PhysicalMemory.none)
        pcpLength = FrameStore.buffer(pcpLists, 0)
        useCounts = FrameStore.buffer(PageUse.allCases.count, 0)
        zoneFree = FrameStore.buffer(zones, 0)
        pcpCount = FrameStore.buffer(zones, 0)
        pcpFreeFactor = FrameStore.buffer(zones, 0)
        pgalloc = FrameStore.buffer(zones, 0)
        nrFree = FrameStore.buffer(zones * PhysicalMemory.orders, 0)
        lruvecs = nodes
        lruList = FrameStore.complemented(frames, of: UInt8.self)   // offLRU
        folioFlags = FrameStore.zeroed(frames, of: UInt8.self)
        lruHead = FrameStore.buffer(nodes * LRUList.allCases.count, PhysicalMemory.none)
        lruTail = FrameStore.buffer(nodes * LRUList.allCases.count, PhysicalMemory.none)
        lruSize = FrameStore.buffer(nodes * LRUList.allCases.count * ZoneType.count, 0)
        memcg = FrameStore.zeroed(frames, of: UInt16.self)
    }

    /// Grows the lruvec tables to `count` lruvecs (new ones empty), as `mem_cgroup_alloc` gives
    /// each new cgroup a `lruvec` per node.
    func growLruvecs(to count: Int) {
        guard count > lruvecs else { return }
        let lists = LRUList.allCases.count
        let h = FrameStore.buffer(count * lists, PhysicalMemory.none), t = FrameStore.buffer(count * lists, PhysicalMemory.none)
        let s = FrameStore.buffer(count * lists * ZoneType.count, UInt64(0))
        h.update(from: lruHead, count: lruvecs * lists); t.update(from: lruTail, count: lruvecs * lists)
        s.update(from: lruSize, count: lruvecs * lists * ZoneType.count)
        free(lruHead); free(lruTail); free(lruSize)
        lruHead = h; lruTail = t; lruSize = s; lruvecs = count
    }

    /// A deep copy (copy-on-write of a shared `PhysicalMemory`).
    func copy() -> FrameStore {
        let c = FrameStore(frames: frames, zones: zones, nodes: nodes)
        c.wmark.update(from: wmark, count: zones * 3); c.reserve.update(from: reserve, count: zones * ZoneType.count)
        c.highAtomic.update(from: highAtomic, count: zones); c.pcpBatch.update(from: pcpBatch, count: zones)
        c.pcpHigh.update(from: pcpHigh, count: zones)
        c.preferred.update(from: preferred, count: nodes * ZoneType.count)
        c.noFragment.update(from: noFragment, count: nodes * ZoneType.count)
        c.use.update(from: use, count: frames); c.mapCount.update(from: mapCount, count: frames)
        c.compoundMapCount.update(from: compoundMapCount, count: frames)
        c.ownerID.update(from: ownerID, count: frames); c.ownerIndex.update(from: ownerIndex, count: frames)
        c.state.raw.update(from: state.raw, count: frames); c.next.raw.update(from: next.raw, count: frames)
        c.prev.raw.update(from: prev.raw, count: frames)
        c.blockType.update(from: blockType, count: max(blocks, 1)); c.blockZone.update(from: blockZone, count: max(blocks, 1))
        c.head.update(from: head, count: lists); c.tail.update(from: tail, count: lists); c.listLength.update(from: listLength, count: lists)
        c.pcpHead.update(from: pcpHead, count: pcpLists); c.pcpTail.update(from: pcpTail, count: pcpLists)
        c.pcpLength.update(from: pcpLength, count: pcpLists)
        c.useCounts.update(from: useCounts, count: PageUse.allCases.count)
        c.zoneFree.update(from: zoneFree, count: zones); c.pcpCount.update(from: pcpCount, count: zones)
        c.pcpFreeFactor.update(from: pcpFreeFactor, count: zones); c.pgalloc.update(from: pgalloc, count: zones)
        c.nrFree.update(from: nrFree, count: zones * PhysicalMemory.orders)
        c.lruList.raw.update(from: lruList.raw, count: frames); c.folioFlags.update(from: folioFlags, count: frames)
        c.memcg.update(from: memcg, count: frames)
        c.growLruvecs(to: lruvecs)
        c.lruHead.update(from: lruHead, count: lruvecs * LRUList.allCases.count)
        c.lruTail.update(from: lruTail, count: lruvecs * LRUList.allCases.count)
        c.lruSize.update(from: lruSize, count: lruvecs * LRUList.allCases.count * ZoneType.count)
        return c
    }

    deinit {
        free(use); free(mapCount); free(compoundMapCount); free(ownerID); free(ownerIndex)
        free(state.raw); free(next.raw); free(prev.raw)
        free(blockType); free(blockZone); free(head); free(tail); free(listLength)
        free(pcpHead); free(pcpTail); free(pcpLength); free(useCounts)
        free(wmark); free(reserve); free(highAtomic); free(pcpBatch); free(pcpHigh); free(preferred); free(noFragment)
        free(zoneFree); free(pcpCount); free(pcpFreeFactor); free(pgalloc); free(nrFree)
        free(lruList.raw); free(folioFlags); free(memcg); free(lruHead); free(lruTail); free(lruSize)
    }
}
