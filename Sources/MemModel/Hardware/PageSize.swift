import MemTrace

/// A translation's page size: the x86_64 leaf levels (PTE 4 KiB, PDE 2 MiB, PDPTE 1 GiB).
public enum PageSize: UInt8, Codable, Hashable, Sendable, CaseIterable {
    case size4K = 0
    case size2M = 1
    case size1G = 2

    /// log2 of the size in bytes.
    @inlinable public var shift: UInt64 {
        switch self { case .size4K: Page.shift; case .size2M: HugePage.shift; case .size1G: 30 }
    }
    /// Page-table levels below the leaf that a walk skips (0 for 4 KiB, 1 for 2 MiB, 2 for 1 GiB).
    @inlinable public var skippedLevels: Int { Int(rawValue) }
    public var name: String {
        switch self { case .size4K: "4K"; case .size2M: "2M"; case .size1G: "1G" }
    }
}

/// The page-table frames a hardware walk reads for one virtual page, top level first, and the page
/// size of the leaf; a plain value with room for five levels, so building one allocates nothing.
public struct PageWalk: Hashable, Sendable {
    /// Table frames, top level first; only the first `count` are meaningful.
    public var frames: (UInt64, UInt64, UInt64, UInt64, UInt64)
    public var count: Int
    public var pageSize: PageSize

    @inlinable public init() { frames = (0, 0, 0, 0, 0); count = 0; pageSize = .size4K }

    /// A walk through `tables` (top first, at most five).
    public init(_ tables: [PageFrameNumber], pageSize: PageSize = .size4K) {
        self.init()
        for t in tables.prefix(5) { append(t) }
        self.pageSize = pageSize
    }

    /// Nothing known: the model uses synthetic table addresses.
    public static let unknown = PageWalk()

    @inlinable public mutating func append(_ frame: PageFrameNumber) {
        switch count {
        case 0: frames.0 = frame.rawValue
        case 1: frames.1 = frame.rawValue
        case 2: frames.2 = frame.rawValue
        case 3: frames.3 = frame.rawValue
        case 4: frames.4 = frame.rawValue
        default: return
        }
        count += 1
    }

    @inlinable public subscript(i: Int) -> UInt64 {
        switch i { case 0: frames.0; case 1: frames.1; case 2: frames.2; case 3: frames.3; default: frames.4 }
    }

    public static func == (a: PageWalk, b: PageWalk) -> Bool {
        a.count == b.count && a.pageSize == b.pageSize && (0..<a.count).allSatisfy { a[$0] == b[$0] }
    }
    public func hash(into h: inout Hasher) {
        h.combine(count); h.combine(pageSize)
        for i in 0..<count { h.combine(self[i]) }
    }
}
