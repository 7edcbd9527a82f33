/// The number of a call-stack node in the trace's stack table; 0 means "no stack".
///
/// A node is one frame (an object and an offset in it) under its parent node, so a node names a
/// whole stack: itself and its ancestors, innermost first. Ids are dense and start at 1.
public struct StackID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static let none = StackID(0)
    @inlinable public static func < (lhs: StackID, rhs: StackID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "k" + String(rawValue) }
}
