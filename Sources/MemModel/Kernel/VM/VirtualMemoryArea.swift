import MemTrace

/// What backs a VMA's pages.
public enum VMABacking: Hashable, Sendable {
    /// Private anonymous memory.
    case anonymous
    /// A regular file (page cache); private mappings copy on write.
    case file(FileID)
    /// A shmem object: shared anonymous memory (or tmpfs), numbered by the kernel model.
    case shmem(UInt32)
}

/// One virtual memory area (`struct vm_area_struct`): a page-aligned range with one protection,
/// one set of flags and one backing.
public struct VirtualMemoryArea: Hashable, Sendable {
    public var id: VMAID
    public var start: UInt64
    public var end: UInt64
    public var prot: Protection
    public var flags: VMAFlags
    public var backing: VMABacking
    /// Offset into the file (or shmem object) of `start`, in bytes.
    public var offset: UInt64
    /// `[heap]`, `[stack]`, a path, or empty.
    public var name: String
    /// The anon_vma the VMA's anonymous pages hang off (0 until the first anonymous page,
    /// `anon_vma_prepare`); two VMAs with different ones never merge.
    public var anonVMA: UInt32 = 0
    /// The VMA's memory policy (`vm_policy`, set by mbind); nil: the task's policy applies.
    public var policy: MemoryPolicy? = nil

    public init(id: VMAID, start: UInt64, end: UInt64, prot: Protection, flags: VMAFlags, backing: VMABacking,
                offset: UInt64, name: String) {
        self.id = id; self.start = start; self.end = end; self.prot = prot; self.flags = flags
        self.backing = backing; self.offset = offset; self.name = name
    }

    @inlinable public var length: UInt64 { end - start }
    @inlinable public var pages: UInt64 { Page.count(in: end - start) }
    @inlinable public var isShared: Bool { flags.contains(.shared) }
    @inlinable public func contains(_ address: UInt64) -> Bool { address >= start && address < end }

    /// The page offset in the backing object of the page holding `address`.
    @inlinable public func pageOffset(of address: UInt64) -> UInt64 { Page.number(of: offset &+ (address &- start)) }

    /// True when `next` starts where this ends and can be one VMA with it (`is_mergeable_vma`,
    /// `can_vma_merge_after` in mm/mmap.c): same flags, protection, backing and contiguous offset.
    public func canMerge(with next: VirtualMemoryArea) -> Bool {
        end == next.start && prot == next.prot && flags == next.flags && backing == next.backing
            && offset + length == next.offset && name == next.name
            && (anonVMA == 0 || next.anonVMA == 0 || anonVMA == next.anonVMA)   // is_mergeable_anon_vma
            && policy == next.policy                                              // mpol_equal
    }
}
