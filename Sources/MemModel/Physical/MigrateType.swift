/// A pageblock's or free list's mobility class (`enum migratetype`, include/linux/mmzone.h).
///
/// The order is the kernel's: Unmovable 0, Movable 1, Reclaimable 2 (the per-CPU types), then
/// HighAtomic and Isolate (CMA is not configured in the model, as in the seeds' pagetypeinfo).
public struct MigrateType: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let unmovable = MigrateType(rawValue: 0)
    public static let movable = MigrateType(rawValue: 1)
    public static let reclaimable = MigrateType(rawValue: 2)
    public static let highAtomic = MigrateType(rawValue: 3)
    public static let isolate = MigrateType(rawValue: 4)

    /// MIGRATE_TYPES.
    public static let count = 5
    /// MIGRATE_PCPTYPES: the types with per-CPU lists.
    public static let pcpTypes = 3
    public static let all: [MigrateType] = (0..<UInt8(count)).map(MigrateType.init(rawValue:))

    /// `migratetype_names` (mm/page_alloc.c) as /proc/pagetypeinfo prints them.
    public var name: String {
        ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"][Int(rawValue)]
    }
    public var description: String { name }

    /// The `fallbacks[]` table of mm/page_alloc.c: where an allocation of this type may steal from,
    /// in order. HighAtomic and Isolate are never fallback sources and have no fallbacks.
    public var fallbacks: [MigrateType] {
        switch self {
        case .unmovable: [.reclaimable, .movable]
        case .movable: [.reclaimable, .unmovable]
        case .reclaimable: [.unmovable, .movable]
        default: []
        }
    }

    /// `migratetype_is_mergeable`: blocks of these types may merge across pageblock borders.
    public var isMergeable: Bool { rawValue < MigrateType.highAtomic.rawValue }

    @inlinable public static func < (a: MigrateType, b: MigrateType) -> Bool { a.rawValue < b.rawValue }
}
