/// One zone's extent as /proc/zoneinfo states it: first pfn, spanned, present and managed pages.
///
/// Pages between `startPFN + present` and `startPFN + spanned` are holes; the first
/// `present - managed` present pages are reserved at boot (kernel image, memmap, firmware).
public struct ZoneLayout: Codable, Hashable, Sendable {
    public var type: ZoneType
    public var startPFN: UInt64
    public var spanned: UInt64
    public var present: UInt64
    public var managed: UInt64

    public init(type: ZoneType, startPFN: UInt64, spanned: UInt64, present: UInt64, managed: UInt64) {
        self.type = type; self.startPFN = startPFN; self.spanned = spanned; self.present = present; self.managed = managed
    }

    /// One past the last pfn the zone spans.
    public var endPFN: UInt64 { startPFN + spanned }
    /// True when the zone has present pages (`populated_zone`).
    public var isPopulated: Bool { present > 0 }
}

/// One NUMA node: its zones, in ZoneType order (all `ZoneType.count` of them, unpopulated ones empty).
public struct NodeLayout: Codable, Hashable, Sendable {
    public var zones: [ZoneLayout]
    public init(zones: [ZoneLayout]) { self.zones = zones }
}
