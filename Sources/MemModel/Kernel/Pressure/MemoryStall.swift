/// The time the task handling an event spent stalled on memory, by cause, in virtual nanoseconds.
///
/// The causes are the kernel's `psi_memstall_enter`/`psi_memstall_leave` sites (Linux 6.1):
/// direct reclaim (`__perform_reclaim`, mm/page_alloc.c), direct compaction
/// (`__alloc_pages_direct_compact`), memcg reclaim at the limit or above `memory.high`
/// (`try_to_free_mem_cgroup_pages`, `mem_cgroup_handle_over_high`, mm/memcontrol.c), and waiting
/// for a workingset page to be read back (`swap_readpage` of a workingset folio, mm/page_io.c;
/// `folio_wait_bit_common` on a refaulting page, mm/filemap.c). Dirty throttling
/// (`balance_dirty_pages`, mm/page-writeback.c) sleeps in `io_schedule_timeout`: it is kept apart
/// because the kernel counts it as I/O pressure, not memory pressure.
///
/// Each subsystem adds what it charges while an event is handled; the engine takes the total
/// with the event's outcome (`LinuxKernel.takeStall()`), and the pressure clock feeds PSI from it.
public struct MemoryStall: Hashable, Sendable {
    public var directReclaim: UInt64 = 0
    public var compaction: UInt64 = 0
    public var memcgReclaim: UInt64 = 0
    public var swapIn: UInt64 = 0
    public var refault: UInt64 = 0
    /// `balance_dirty_pages` pauses (I/O pressure, not memory).
    public var dirtyThrottle: UInt64 = 0

    public init() {}

    /// The stall PSI counts as memory pressure (all but dirty throttling).
    public var memory: UInt64 { directReclaim + compaction + memcgReclaim + swapIn + refault }
    /// Every stall, memory and dirty throttling.
    public var total: UInt64 { memory + dirtyThrottle }
    public var isZero: Bool { total == 0 }
}
