/// One TLB array: entries, associativity (0 = fully associative) and replacement.
public struct TLBArrayConfiguration: Codable, Hashable, Sendable {
    public var entries: Int
    /// Ways per set; 0 or `entries` means fully associative.
    public var ways: Int
    public var replacement: ReplacementPolicy

    public init(entries: Int, ways: Int = 0, replacement: ReplacementPolicy = .lru) {
        self.entries = entries; self.ways = ways; self.replacement = replacement
    }

    /// Sets × ways as a `SetAssociativeCache` would hold them.
    var shape: (sets: Int, ways: Int) {
        let w = (ways <= 0 || ways > entries) ? entries : ways
        return (max(1, entries / max(1, w)), max(1, w))
    }
}

/// The MMU: TLBs per page size, the second-level TLB, paging-structure caches and walk settings.
public struct TLBConfiguration: Codable, Hashable, Sendable {
    /// L1 instruction TLB per page size (`4K`, `2M`, `1G`); a missing size is not cached at L1.
    public var l1i: [String: TLBArrayConfiguration]
    /// L1 data TLB per page size.
    public var l1d: [String: TLBArrayConfiguration]
    /// Second-level TLB per page size, or one `unified` array shared by 4K and 2M translations.
    public var l2: [String: TLBArrayConfiguration]
    /// Cycles an STLB hit adds.
    public var l2LatencyCycles: Int
    /// Entries of the paging-structure caches (PML4E/PML5E, PDPTE, PDE caches), fully associative;
    /// 0 disables that cache.
    public var walkCacheEntries: [Int]
    /// 4 or 5 page-table levels.
    public var levels: Int
    /// PCID/ASID: translations are tagged by address space, so a context switch does not flush.
    public var pcid: Bool

    public init(l1i: [String: TLBArrayConfiguration], l1d: [String: TLBArrayConfiguration],
                l2: [String: TLBArrayConfiguration], l2LatencyCycles: Int = 7, walkCacheEntries: [Int] = [2, 4, 32],
                levels: Int = 4, pcid: Bool = true) {
        self.l1i = l1i; self.l1d = l1d; self.l2 = l2; self.l2LatencyCycles = l2LatencyCycles
        self.walkCacheEntries = walkCacheEntries; self.levels = levels; self.pcid = pcid
    }
}
