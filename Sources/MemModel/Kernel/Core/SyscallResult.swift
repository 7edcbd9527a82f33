import MemTrace

/// The kernel model's result for a memory system call (mmap, munmap, mremap, mprotect, madvise,
/// brk, mlock and friends, msync) or a pre-existing region installed from /proc/PID/maps.
///
/// The replay engine stores it as it is (`OutcomeDetail.memory`), in the `memory_calls` table's
/// `result`, `errno`, `vma`, `pages_freed`, `pages_populated` and `pages_written` columns.
public struct SyscallResult: Hashable, Sendable {
    /// What the call returned: an address, 0, or −errno.
    public var result: Int64
    /// The VMA created or first affected (`.none` when none).
    public var vma: VMAID
    /// Frames the call released (munmap, an mmap over existing mappings, madvise DONTNEED or
    /// REMOVE, a brk shrink, an mremap shrink).
    public var pagesFreed: UInt64
    /// Pages the call faulted in (MAP_POPULATE, MAP_LOCKED, mlock, mlockall) or read ahead into
    /// the page cache (madvise WILLNEED).
    public var pagesPopulated: UInt64
    /// Dirty page-cache pages the call wrote back to their file (msync of a shared file mapping,
    /// as `msync` in mm/msync.c starts writeback with `vfs_fsync_range`); the pages stay cached.
    public var pagesWritten: UInt64

    @inlinable public init(result: Int64, vma: VMAID = .none, pagesFreed: UInt64 = 0, pagesPopulated: UInt64 = 0,
                           pagesWritten: UInt64 = 0) {
        self.result = result; self.vma = vma; self.pagesFreed = pagesFreed; self.pagesPopulated = pagesPopulated
        self.pagesWritten = pagesWritten
    }

    /// A failed call: `result` is −`errno`.
    @inlinable public init(errno: Errno) { self.init(result: errno.negated) }

    /// The errno when `result` is −errno (−`Errno.maxNumber`…−1), else 0.
    @inlinable public var errno: Int32 { Errno(result: result)?.rawValue ?? 0 }
}
