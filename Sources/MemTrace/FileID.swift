/// The number of a file opened in the trace (see `FileOp.open`); 0 means "anonymous / no file".
public struct FileID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static let anonymous = FileID(0)
    @inlinable public static func < (lhs: FileID, rhs: FileID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "f" + String(rawValue) }
}
