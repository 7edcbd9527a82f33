/// mremap(2) flags (`MREMAP_*`, include/uapi/linux/mman.h).
public struct MremapFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `MREMAP_MAYMOVE`: the kernel may move the mapping when it cannot grow in place.
    public static let mayMove = MremapFlags(rawValue: 1)
    /// `MREMAP_FIXED`: move the mapping to the given new address (needs `mayMove`).
    public static let fixed = MremapFlags(rawValue: 2)
    /// `MREMAP_DONTUNMAP`: move the pages but leave the old range mapped (empty).
    public static let dontUnmap = MremapFlags(rawValue: 4)
}
