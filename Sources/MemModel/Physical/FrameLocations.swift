/// The node and zone of every managed page frame, fixed at boot: one pfn range per managed zone.
///
/// The kernel writes a page's node and zone into `page->flags` once, when `memmap_init_range`
/// initialises the memmap (`set_page_links` in `__init_single_page`), and `page_to_nid` /
/// `page_zonenum` read them back without touching the zone. The model's equivalent is this table,
/// built from the boot layout: for each zone with managed pages, the pfns the buddy allocator was
/// given — the last `managed` of its `present` pages (`ZoneLayout`: the first `present − managed`
/// are reserved at boot). It never changes after boot, so a lookup costs a scan of a few ranges.
public struct FrameLocations: Sendable {
    /// One zone's managed pfns [start, end), its node and type.
    @usableFromInline struct Extent: Sendable {
        @usableFromInline let start: UInt64
        @usableFromInline let end: UInt64
        @usableFromInline let node: Int
        @usableFromInline let zone: ZoneType
    }

    /// Managed ranges by increasing pfn (they never overlap).
    @usableFromInline let ranges: [Extent]

    /// The table of `zones` as laid out at boot.
    public init(zones: [Zone]) {
        var r: [Extent] = []
        for z in zones where z.isManaged {
            let l = z.layout
            r.append(Extent(start: l.startPFN + l.present - l.managed, end: l.startPFN + l.present, node: z.node, zone: z.type))
        }
        ranges = r.sorted { $0.start < $1.start }
    }

    /// The node and zone type of `frame`, nil for a pfn the buddy allocator does not manage
    /// (reserved at boot, a hole, past the end of memory).
    @inlinable public func location(of frame: PageFrameNumber) -> (node: Int, zone: ZoneType)? {
        let pfn = frame.rawValue
        for r in ranges where pfn < r.end {
            return pfn >= r.start ? (r.node, r.zone) : nil
        }
        return nil
    }

    /// Managed pfns of every zone, in pfn order: the frames `location(of:)` answers for.
    public var managedRanges: [(pfns: Range<UInt64>, node: Int, zone: ZoneType)] {
        ranges.map { ($0.start..<$0.end, $0.node, $0.zone) }
    }
}
