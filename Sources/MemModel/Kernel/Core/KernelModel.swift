import MemTrace

/// The kernel layer's interface to the replay engine: events in, results out.
///
/// Strings the trace refers to by number (images, paths, region names, keys) arrive resolved.
/// Side effects beyond the direct result (faults of a populate, VMA and process changes) are
/// queued and handed over by `takeChanges()` after each event; the model never calls out.
public protocol KernelModel {
    /// Resolves one load, store, modify or instruction fetch by process `pid`.
    mutating func access(_ access: MemoryAccess, pid: ProcessID) -> Translation
    /// Carries out a memory system call (or installs a pre-existing `region`).
    mutating func memory(_ call: MemoryCall, pid: ProcessID, name: String) -> SyscallResult
    /// Carries out a process lifecycle event by thread `tid` of `pid`.
    mutating func process(_ event: ProcessEvent, pid: ProcessID, tid: ThreadID, image: String) -> ProcessResult
    /// Carries out a file operation through the page cache.
    mutating func file(_ call: FileCall, pid: ProcessID, path: String) -> FileResult
    /// Applies a control event (sysctl, cgroup limit, oom_score_adj; phases are the engine's).
    mutating func control(_ event: ControlEvent, key: String, name: String)
    /// Installs a process present at the start of the trace with its address space.
    mutating func seed(_ process: InitialProcess, files: inout [String: FileID])
    /// The page-table frames a hardware walk for `address` in `pid` reads, top level first
    /// (`PageWalk.unknown` when the kernel has no page table for it).
    func pageWalk(pid: ProcessID, address: UInt64) -> PageWalk
    /// The NUMA node and zone type of `frame` (nil outside managed memory, as for the zero page).
    func frameLocation(_ frame: PageFrameNumber) -> (node: Int, zone: ZoneType)?
    /// The changes queued since the last call, in order.
    mutating func takeChanges() -> [KernelChange]
    /// The model's clock, in nanoseconds since the start of the trace: the engine sets it to each
    /// event's time before handing the event over (kswapd, the flusher and PSI run on it).
    var clock: UInt64 { get set }
    /// The stall the last event suffered (direct and memcg reclaim, compaction, swap-in, refault,
    /// dirty throttling), taken once: the engine stores it with the event's outcome.
    mutating func takeStall() -> MemoryStall
    /// True when changes are queued (lets the engine skip `takeChanges` on the hot path).
    var hasChanges: Bool { get }
    /// The names of the counters `counterValues()` returns, in order (stable for a run).
    var counterNames: [String] { get }
    func counterValues() -> [Int64]
    /// Per-process memory now: pid, RSS anon/file/shmem pages, VM size pages.
    func processUsage() -> [(pid: ProcessID, anon: UInt64, file: UInt64, shmem: UInt64, vm: UInt64)]
    /// Every broken invariant of the model's structures, described (empty when sound); for tests
    /// and `replay --check-invariants`.
    func invariantViolations() -> [String]
    /// The final summary metrics (`vmstat.*`, `meminfo.*`, `free.*`, `status.<pid>.*`).
    func metrics() -> [(name: String, value: Double)]
}
