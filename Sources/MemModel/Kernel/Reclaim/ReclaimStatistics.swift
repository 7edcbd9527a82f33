/// The vmstat counters of reclaim (include/linux/vm_event_item.h, mm/vmstat.c `vmstat_text`).
public struct ReclaimStatistics: Hashable, Sendable {
    /// `pgscan_kswapd`, `pgscan_direct`, `pgsteal_kswapd`, `pgsteal_direct`.
    public var pgscanKswapd: UInt64 = 0
    public var pgscanDirect: UInt64 = 0
    public var pgstealKswapd: UInt64 = 0
    public var pgstealDirect: UInt64 = 0
    /// `pgscan_anon`, `pgscan_file`, `pgsteal_anon`, `pgsteal_file`.
    public var pgscanAnon: UInt64 = 0
    public var pgscanFile: UInt64 = 0
    public var pgstealAnon: UInt64 = 0
    public var pgstealFile: UInt64 = 0
    /// `pgrefill` (active pages scanned), `pgactivate`, `pgdeactivate`, `pgrotated`.
    public var pgrefill: UInt64 = 0
    public var pgactivate: UInt64 = 0
    public var pgdeactivate: UInt64 = 0
    public var pgrotated: UInt64 = 0
    /// `allocstall_<zone>` by zone type (direct reclaim entries), `pageoutrun` (kswapd runs).
    public var allocstall: [UInt64] = Array(repeating: 0, count: ZoneType.count)
    public var pageoutrun: UInt64 = 0
    /// `kswapd_low_wmark_hit_quickly`, `kswapd_high_wmark_hit_quickly`.
    public var kswapdLowWmarkHitQuickly: UInt64 = 0
    public var kswapdHighWmarkHitQuickly: UInt64 = 0
    /// `workingset_refault_anon/file`, `workingset_activate_anon/file`, `workingset_restore_anon/file`.
    public var workingsetRefaultAnon: UInt64 = 0
    public var workingsetRefaultFile: UInt64 = 0
    public var workingsetActivateAnon: UInt64 = 0
    public var workingsetActivateFile: UInt64 = 0
    public var workingsetRestoreAnon: UInt64 = 0
    public var workingsetRestoreFile: UInt64 = 0
    /// `drop_pagecache`, `drop_slab`.
    public var dropPagecache: UInt64 = 0
    public var dropSlab: UInt64 = 0
    /// `nr_vmscan_write`, `nr_vmscan_immediate_reclaim`.
    public var vmscanWrite: UInt64 = 0
    public var vmscanImmediate: UInt64 = 0
    /// The unevictable LRU's events (mm/mlock.c): `unevictable_pgs_culled` (moved to the
    /// unevictable list), `_scanned` (looked at there by reclaim), `_rescued` (back to an
    /// evictable list), `_mlocked`, `_munlocked`, `_cleared` (freed still mlocked), `_stranded`
    /// (munlocked but left unevictable).
    public var unevictableCulled: UInt64 = 0
    public var unevictableScanned: UInt64 = 0
    public var unevictableRescued: UInt64 = 0
    public var unevictableMlocked: UInt64 = 0
    public var unevictableMunlocked: UInt64 = 0
    public var unevictableCleared: UInt64 = 0
    public var unevictableStranded: UInt64 = 0

    public init() {}
}
