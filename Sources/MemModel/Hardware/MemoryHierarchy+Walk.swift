import MemTrace

extension MemoryHierarchy {
    /// What a page walk did: entries read, where each was served (3 bits each), cycles.
    struct WalkResult {
        var references: UInt8 = 0
        var served: UInt16 = 0
        var latency = 0
    }

    /// The hardware page walk for `va` (Intel SDM vol. 3 §4.5): the paging-structure caches let
    /// the walker start below the top; every entry it reads is an 8-byte load at
    /// table frame · `Page.size` + index · 8, served by the data caches or memory like any load. The
    /// translation is then installed in the STLB and L1 TLB.
    ///
    /// `walk` holds the kernel's table frames top first (PGD, PUD, PMD, PTE page). With 5 levels
    /// the PML5 entry is read from the PGD frame too (the kernel model folds P4D, as Linux does).
    /// Missing frames (a synthetic trace, `PageWalk.unknown`) get stand-in frames above 2^40
    /// derived from the address, so walks still reach the caches deterministically.
    mutating func pageWalk(_ va: UInt64, asid: UInt32, walk: PageWalk, instruction: Bool) -> WalkResult {
        let levels = tlbs.levels
        let size = walk.pageSize
        let leafDepth = levels - size.skippedLevels
        let (start, cacheHit) = tlbs.walkStart(va, asid: asid, leafDepth: leafDepth)
        if cacheHit { counters.walkCacheHits &+= 1 }
        var r = WalkResult()
        var i = 0
        for d in start..<leafDepth {
            let shift = UInt64(12 + 9 * (levels - 1 - d))
            let kernelDepth = levels == 5 ? max(0, d - 1) : d
            let table: UInt64
            if kernelDepth < walk.count {
                table = walk[kernelDepth]
            } else {
                table = (1 << 28) | (UInt64(d) << 24) | ((va >> (shift + 9)) & 0xFF_FFFF)
            }
            let address = Page.address(ofNumber: table) | ((va >> shift) & 511) << 3
            var o = HardwareOutcome()
            let served = serve(address, write: false, instruction: false, into: &o)
            r.latency += Int(o.latency)
            if i < 5 { r.served |= UInt16(served.rawValue) << UInt16(3 * i) }
            counters.walkServed[Int(served.rawValue)] &+= 1
            i += 1
        }
        r.references = UInt8(i)
        counters.walkReferences &+= UInt64(i)
        tlbs.fillWalkCaches(va, asid: asid, start: start, leafDepth: leafDepth)
        tlbs.fill(va, asid: asid, size: size, instruction: instruction)
        return r
    }
}
