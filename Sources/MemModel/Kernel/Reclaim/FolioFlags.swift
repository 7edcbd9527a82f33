/// The page flags reclaim reads and writes (`enum pageflags`, include/linux/page-flags.h): kept
/// per frame beside the frame store. PG_active and PG_lru are the list a folio is on
/// (`PhysicalMemory.lruListOf`).
public struct FolioFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// PG_referenced: accessed once since reclaim last looked (`folio_mark_accessed`, second chance).
    public static let referenced = FolioFlags(rawValue: 1 << 0)
    /// PG_workingset: was active before deactivation; its refault restores it (mm/workingset.c).
    public static let workingset = FolioFlags(rawValue: 1 << 1)
    /// PG_reclaim: reclaim wants it as soon as writeback ends (`folio_rotate_reclaimable`).
    public static let reclaim = FolioFlags(rawValue: 1 << 2)
    /// PG_unevictable / PG_mlocked: in a VM_LOCKED VMA, on the unevictable list.
    public static let unevictable = FolioFlags(rawValue: 1 << 3)
    /// PG_swapcache: the folio is in the swap cache (`SwapSpace.entryOf` names its slot).
    public static let swapCache = FolioFlags(rawValue: 1 << 4)
    /// PG_swapcache's companion PG_dirty for swap-backed folios: the page differs from its swap
    /// copy (set by `add_to_swap` and by a dirty PTE at unmap; cleared by the write to swap).
    public static let dirty = FolioFlags(rawValue: 1 << 7)
}
