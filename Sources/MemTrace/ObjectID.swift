/// The number of a loaded object (executable or shared library) in the trace's stack table; 0
/// means "no object" (a frame whose pc lay in no known object keeps its absolute address).
public struct ObjectID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static let none = ObjectID(0)
    @inlinable public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "o" + String(rawValue) }
}
