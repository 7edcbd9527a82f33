/// Page-table entry bits the model keeps (a subset of x86_64's `_PAGE_*`).
public struct PTEFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let present = PTEFlags(rawValue: 1 << 0)
    public static let writable = PTEFlags(rawValue: 1 << 1)
    public static let user = PTEFlags(rawValue: 1 << 2)
    public static let accessed = PTEFlags(rawValue: 1 << 5)
    public static let dirty = PTEFlags(rawValue: 1 << 6)
    /// Software bit: the entry maps an anonymous page (anon LRU, RssAnon).
    public static let anonymous = PTEFlags(rawValue: 1 << 3)
    /// Software bit: the entry maps a shmem page (RssShmem).
    public static let shmem = PTEFlags(rawValue: 1 << 4)
    /// _PAGE_PSE: a PMD-level leaf mapping 2 MiB (a transparent huge page or the huge zero page).
    public static let huge = PTEFlags(rawValue: 1 << 7)
}

/// One 4 KiB page-table entry: the frame and the bits.
public struct PageTableEntry: Hashable, Sendable {
    public var frame: PageFrameNumber
    public var flags: PTEFlags
    @inlinable public init(frame: PageFrameNumber, flags: PTEFlags) { self.frame = frame; self.flags = flags }
}
