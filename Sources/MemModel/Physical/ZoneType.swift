/// The kind of a memory zone (`enum zone_type`, include/linux/mmzone.h) on x86_64.
///
/// DMA covers pfn < 4096 (16 MiB), DMA32 pfn < 2^20 (4 GiB), Normal the rest; Movable exists only
/// with kernelcore=/movablecore=; Device holds ZONE_DEVICE memory (never populated here).
public struct ZoneType: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let dma = ZoneType(rawValue: 0)
    public static let dma32 = ZoneType(rawValue: 1)
    public static let normal = ZoneType(rawValue: 2)
    public static let movable = ZoneType(rawValue: 3)
    public static let device = ZoneType(rawValue: 4)

    /// MAX_NR_ZONES with CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32 and CONFIG_ZONE_DEVICE (Debian 12).
    public static let count = 5
    public static let all: [ZoneType] = (0..<UInt8(count)).map(ZoneType.init(rawValue:))

    /// `zone_names`.
    public var name: String { ["DMA", "DMA32", "Normal", "Movable", "Device"][Int(rawValue)] }
    /// The vmstat suffix (`pgalloc_dma32`).
    public var vmstatName: String { name.lowercased() }
    public var description: String { name }

    /// Parses a zone name as /proc/zoneinfo prints it.
    public init?(name: String) {
        guard let i = ["DMA", "DMA32", "Normal", "Movable", "Device"].firstIndex(of: name) else { return nil }
        rawValue = UInt8(i)
    }

    /// `sysctl_lowmem_reserve_ratio` defaults: {256, 256, 32, 0, 0}.
    public var defaultLowmemReserveRatio: Int { [256, 256, 32, 0, 0][Int(rawValue)] }

    @inlinable public static func < (a: ZoneType, b: ZoneType) -> Bool { a.rawValue < b.rawValue }
}
