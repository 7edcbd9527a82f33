/// mmap(2) flags (`MAP_*`: include/uapi/linux/mman.h for the mapping type,
/// include/uapi/asm-generic/mman-common.h and asm-generic/mman.h for the rest, as x86_64 uses them).
public struct MapFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let shared = MapFlags(rawValue: 0x01)
    public static let `private` = MapFlags(rawValue: 0x02)
    public static let fixed = MapFlags(rawValue: 0x10)
    public static let anonymous = MapFlags(rawValue: 0x20)
    public static let growsDown = MapFlags(rawValue: 0x0100)
    public static let locked = MapFlags(rawValue: 0x2000)
    public static let noReserve = MapFlags(rawValue: 0x4000)
    public static let populate = MapFlags(rawValue: 0x8000)
    public static let stack = MapFlags(rawValue: 0x20000)
    public static let hugeTLB = MapFlags(rawValue: 0x40000)
    public static let fixedNoReplace = MapFlags(rawValue: 0x100000)
}
