import MemTrace

/// The kernel model's result for a process lifecycle event (spawn, fork, vfork, exec, exit,
/// thread start and exit).
///
/// The replay engine stores it as it is (`OutcomeDetail.process`), in the `process_events` table's
/// `result_pid` and `pages` columns.
public struct ProcessResult: Hashable, Sendable {
    /// The process created, replaced or ended (the child for fork and vfork).
    public var pid: ProcessID
    /// Pages released (exit, exec) or write-protected for copy-on-write (fork: `copy_page_range`
    /// in mm/memory.c); 0 for the other events.
    public var pages: UInt64

    @inlinable public init(pid: ProcessID, pages: UInt64 = 0) { self.pid = pid; self.pages = pages }
}
