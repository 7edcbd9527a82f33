/// A stable number for one virtual memory area over the whole replay; 0 means "no VMA".
///
/// A VMA split by munmap or mprotect keeps its number for the lower part; the upper part gets a
/// new one. The store's `vmas` table is keyed by it.
public struct VMAID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static let none = VMAID(0)
    @inlinable public static func < (lhs: VMAID, rhs: VMAID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "vma" + String(rawValue) }
}
