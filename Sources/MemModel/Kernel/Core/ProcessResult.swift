import MemTrace

/// The kernel model's result for a process lifecycle event (spawn, fork, vfork, exec, exit,
/// thread start and exit).
///
/// The replay engine stores it as it is (`OutcomeDetail.process`), in the `process_events` table's
/// `result_pid`, `pages` and `errno` columns.
public struct ProcessResult: Hashable, Sendable {
    /// The process created, replaced or ended (the child for fork and vfork, also when the fork
    /// failed and no child exists).
    public var pid: ProcessID
    /// Pages released (exit, exec) or write-protected for copy-on-write (fork: `copy_page_range`
    /// in mm/memory.c, also for the VMAs a failed fork copied before its refusal); 0 for the
    /// other events.
    public var pages: UInt64
    /// The errno the event failed with, 0 when it succeeded: ENOMEM for a fork whose `dup_mmap`
    /// was refused its commit charge (`__vm_enough_memory`); the child was never created.
    public var errno: Int32

    @inlinable public init(pid: ProcessID, pages: UInt64 = 0) { self.pid = pid; self.pages = pages; self.errno = 0 }

    /// A failed event: `errno` says why.
    @inlinable public init(pid: ProcessID, pages: UInt64 = 0, failedWith errno: Errno) {
        self.pid = pid; self.pages = pages; self.errno = errno.rawValue
    }

    /// True when the event failed (`errno` ≠ 0).
    @inlinable public var failed: Bool { errno != 0 }
}
