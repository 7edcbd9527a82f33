/// mlockall(2) flags (`MCL_*`, include/uapi/asm-generic/mman.h, which x86_64 uses).
public struct MlockallFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `MCL_CURRENT`: lock every page mapped now.
    public static let current = MlockallFlags(rawValue: 1)
    /// `MCL_FUTURE`: lock the pages of mappings made later.
    public static let future = MlockallFlags(rawValue: 2)
    /// `MCL_ONFAULT`: lock pages as they are faulted in rather than populating them.
    public static let onFault = MlockallFlags(rawValue: 4)
}
