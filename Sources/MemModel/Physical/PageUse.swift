/// What a physical page frame currently holds.
public enum PageUse: UInt8, CaseIterable, Hashable, Sendable {
    case free = 0
    /// Private anonymous memory (AnonPages).
    case anonymous = 1
    /// A page-cache page of a regular file (Cached).
    case file = 2
    /// A shmem page: shared anonymous memory or tmpfs (Shmem, counted in Cached).
    case shmem = 3
    /// A page-table page (PageTables).
    case pageTable = 4
    /// Kept by the kernel (the zero page, reserved frames, holes).
    case kernel = 5
    /// A SLUB slab page (Slab: SReclaimable + SUnreclaim).
    case slab = 6
    /// Anonymous memory of a transparent huge page mapped by at least one PMD (AnonPages and
    /// AnonHugePages). Split or partly unmapped THPs turn back into `.anonymous` pages.
    case anonHuge = 7

    public var name: String {
        switch self {
        case .free: "free"; case .anonymous: "anon"; case .file: "file"; case .shmem: "shmem"
        case .pageTable: "pagetable"; case .kernel: "kernel"; case .slab: "slab"; case .anonHuge: "anon_thp"
        }
    }
}
