/// The number of a string defined in the trace's string table; 0 means "no string".
///
/// Strings (paths, phase names, sysctl keys) are defined once in the stream and referred to by
/// number, so every event stays a plain value with no heap storage.
public struct StringID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static let none = StringID(0)
    @inlinable public static func < (lhs: StringID, rhs: StringID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "s" + String(rawValue) }
}
