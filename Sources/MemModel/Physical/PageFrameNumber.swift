import MemTrace

/// A physical page frame number (the physical address >> `Page.shift`).
public struct PageFrameNumber: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// The physical address of the frame's first byte.
    @inlinable public var physicalAddress: UInt64 { Page.address(ofNumber: rawValue) }
    @inlinable public static func < (lhs: PageFrameNumber, rhs: PageFrameNumber) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "pfn:0x" + String(rawValue, radix: 16) }
}
