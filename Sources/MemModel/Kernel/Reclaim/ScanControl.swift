/// One reclaim run's parameters and progress (`struct scan_control`, mm/vmscan.c).
public struct ScanControl: Sendable {
    /// DEF_PRIORITY: the first pass scans 1/4096 of each list.
    public static let defaultPriority = 12
    /// SWAP_CLUSTER_MAX: the batch one isolation takes and direct reclaim's goal.
    public static let clusterMax: UInt64 = 32

    /// Pages this run wants back (`nr_to_reclaim`).
    public var nrToReclaim: UInt64
    public var gfp: GFPMask
    public var order: Int
    public var priority = ScanControl.defaultPriority
    /// The highest zone type whose pages may be reclaimed (`reclaim_idx`).
    public var reclaimZone: ZoneType
    /// kswapd's reclaim (else direct reclaim by the allocating task).
    public var isKswapd: Bool
    public var mayWritepage = true
    public var mayUnmap = true
    public var maySwap = true
    /// `may_deactivate`: whether the active anon / file lists may be shrunk this pass.
    public var mayDeactivateAnon = false
    public var mayDeactivateFile = false
    public var cacheTrimMode = false
    public var fileIsTiny = false
    public var nrScanned: UInt64 = 0
    public var nrReclaimed: UInt64 = 0
    /// The memory cgroup this reclaim is for (`target_mem_cgroup`; nil: global reclaim).
    public var targetMemcg: Int?
    /// `memcg_low_reclaim`: cgroups within their memory.low are reclaimed too (the second try
    /// after a pass that skipped them and reclaimed nothing); `memcg_low_skipped`: one was skipped.
    public var memcgLowReclaim = false
    public var memcgLowSkipped = false
    /// The nodes direct reclaim may shrink (`sc->nodemask` with the cpuset's mems); nil: all.
    public var nodemask: NodeMask?

    public init(nrToReclaim: UInt64, gfp: GFPMask, order: Int, reclaimZone: ZoneType, isKswapd: Bool) {
        self.nrToReclaim = nrToReclaim; self.gfp = gfp; self.order = order
        self.reclaimZone = reclaimZone; self.isKswapd = isKswapd
    }
}
