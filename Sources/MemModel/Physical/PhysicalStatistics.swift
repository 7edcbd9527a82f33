/// Event counters of the physical layer, named after /proc/vmstat where the kernel has them.
public struct PhysicalStatistics: Hashable, Sendable {
    /// Fallback steals from another migrate type (`mm_page_alloc_extfrag` events).
    public var extfragEvents: UInt64 = 0
    /// Pageblocks whose type a steal changed.
    public var pageblocksClaimed: UInt64 = 0
    /// kswapd wake-ups requested (`wakeup_kswapd`); reclaim itself is the next layer's.
    public var kswapdWakeups: UInt64 = 0
    /// compact_stall / compact_fail / compact_success: direct compaction.
    public var compactStall: UInt64 = 0
    public var compactFail: UInt64 = 0
    public var compactSuccess: UInt64 = 0
    /// compact_migrate_scanned / compact_free_scanned / compact_isolated.
    public var compactMigrateScanned: UInt64 = 0
    public var compactFreeScanned: UInt64 = 0
    public var compactIsolated: UInt64 = 0
    /// compact_daemon_wake and the pages kcompactd scanned.
    public var compactDaemonWake: UInt64 = 0
    public var compactDaemonMigrateScanned: UInt64 = 0
    public var compactDaemonFreeScanned: UInt64 = 0
    /// Full compactions (`vm.compact_memory`) and compaction runs skipped or deferred.
    public var compactMemory: UInt64 = 0
    public var compactDeferred: UInt64 = 0
    /// pgmigrate_success / pgmigrate_fail.
    public var pgmigrateSuccess: UInt64 = 0
    public var pgmigrateFail: UInt64 = 0
    /// Allocations that failed at the reclaim seam, by order ≤ 3 and above.
    public var allocFailures: UInt64 = 0
    public init() {}
}
