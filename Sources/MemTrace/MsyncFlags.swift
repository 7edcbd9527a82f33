/// msync(2) flags (`MS_*`, include/uapi/asm-generic/mman-common.h).
public struct MsyncFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `MS_ASYNC`: schedule the write-back and return.
    public static let async = MsyncFlags(rawValue: 1)
    /// `MS_INVALIDATE`: invalidate other mappings of the same file.
    public static let invalidate = MsyncFlags(rawValue: 2)
    /// `MS_SYNC`: write back and wait.
    public static let sync = MsyncFlags(rawValue: 4)
}
