/// What an allocation asks of the page allocator (`gfp_t`, include/linux/gfp_types.h), reduced to
/// the bits whose effect the model follows.
public struct GFPMask: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM: zone modifiers (`gfp_zone`).
    public static let dma = GFPMask(rawValue: 1 << 0)
    public static let dma32 = GFPMask(rawValue: 1 << 1)
    public static let highmem = GFPMask(rawValue: 1 << 2)
    /// __GFP_MOVABLE, __GFP_RECLAIMABLE: mobility (`gfp_migratetype`).
    public static let movable = GFPMask(rawValue: 1 << 3)
    public static let reclaimable = GFPMask(rawValue: 1 << 4)
    /// __GFP_HIGH: may dip into the reserves (ALLOC_HIGH).
    public static let high = GFPMask(rawValue: 1 << 5)
    /// __GFP_ATOMIC: cannot sleep (ALLOC_HARDER).
    public static let atomic = GFPMask(rawValue: 1 << 6)
    /// __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM.
    public static let directReclaim = GFPMask(rawValue: 1 << 7)
    public static let kswapdReclaim = GFPMask(rawValue: 1 << 8)
    /// __GFP_NORETRY, __GFP_NOWARN, __GFP_COMP, __GFP_ZERO, __GFP_ACCOUNT.
    public static let noRetry = GFPMask(rawValue: 1 << 9)
    public static let noWarn = GFPMask(rawValue: 1 << 10)
    public static let comp = GFPMask(rawValue: 1 << 11)
    public static let zero = GFPMask(rawValue: 1 << 12)
    public static let account = GFPMask(rawValue: 1 << 13)

    /// __GFP_RECLAIM.
    public static let reclaim: GFPMask = [.directReclaim, .kswapdReclaim]
    /// GFP_KERNEL.
    public static let kernel: GFPMask = [.reclaim]
    /// GFP_ATOMIC.
    public static let atomicAlloc: GFPMask = [.high, .atomic, .kswapdReclaim]
    /// GFP_HIGHUSER_MOVABLE: user pages and page cache.
    public static let highUserMovable: GFPMask = [.reclaim, .highmem, .movable]
    /// GFP_PGTABLE_USER: page-table pages.
    public static let pageTableUser: GFPMask = [.reclaim, .zero, .account]

    /// `gfp_migratetype`.
    @inlinable public var migrateType: MigrateType {
        contains(.movable) ? .movable : contains(.reclaimable) ? .reclaimable : .unmovable
    }

    /// `gfp_zone`: the highest zone the allocation may use (x86_64: no highmem, so
    /// __GFP_HIGHMEM|__GFP_MOVABLE selects Movable when it exists, else Normal).
    public func highestZone(movableZoneExists: Bool) -> ZoneType {
        if contains(.dma) { return .dma }
        if contains(.dma32) { return .dma32 }
        if contains(.movable) && contains(.highmem) && movableZoneExists { return .movable }
        return .normal
    }
}

/// Internal allocation flags of mm/internal.h (`ALLOC_WMARK_*`, `ALLOC_HARDER`, …).
public struct AllocFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The watermark in the low two bits (`ALLOC_WMARK_MASK`): 0 = MIN, 1 = LOW, 2 = HIGH.
    public static let wmarkLow = AllocFlags(rawValue: 1)
    public static let wmarkHigh = AllocFlags(rawValue: 2)
    public static let noWatermarks = AllocFlags(rawValue: 1 << 2)
    public static let oom = AllocFlags(rawValue: 1 << 3)
    public static let harder = AllocFlags(rawValue: 1 << 4)
    public static let high = AllocFlags(rawValue: 1 << 5)
    public static let cpuset = AllocFlags(rawValue: 1 << 6)
    public static let noFragment = AllocFlags(rawValue: 1 << 8)
    public static let kswapd = AllocFlags(rawValue: 1 << 11)

    /// ALLOC_RESERVES: any of the flags that may use reserves.
    public static let reserves: AllocFlags = [.harder, .oom, .high, .noWatermarks]

    /// The watermark index this request checks (0 min, 1 low, 2 high).
    @inlinable public var watermarkIndex: Int { Int(rawValue & 3) }
}
