/// A user-space virtual address in a traced process.
public struct VirtualAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The null address (no pointer).
    public static let null = VirtualAddress(0)

    /// The 4 KiB virtual page number of this address.
    @inlinable public var pageNumber: UInt64 { Page.number(of: rawValue) }

    @inlinable public static func < (lhs: VirtualAddress, rhs: VirtualAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "0x" + String(rawValue, radix: 16) }
}
