/// The translation hardware: L1 instruction and data TLBs and the second-level TLB, each an
/// array per page size (or one unified STLB), plus the paging-structure caches of the page walker
/// (Intel SDM vol. 3 §4.10.3: PML4E, PDPTE and PDE caches).
///
/// Keys are the virtual page number at the array's page size with the 12-bit PCID above bit 45,
/// so with PCID on, address spaces coexist; with it off a context switch flushes everything
/// (`switch_mm_irqs_off` without X86_FEATURE_PCID).
public struct MMU: Sendable {
    public let configuration: TLBConfiguration
    /// Per page size (`PageSize.rawValue`): the L1 iTLB, L1 dTLB and STLB arrays.
    var l1i: [SetAssociativeCache?]
    var l1d: [SetAssociativeCache?]
    var l2: [SetAssociativeCache?]
    /// True when `l2[0]` is one unified array serving 4K and 2M translations.
    let unifiedL2: Bool
    /// Paging-structure caches for the three deepest non-leaf levels (PML4E, PDPTE, PDE on 4-level).
    var walkCaches: [SetAssociativeCache?]
    public private(set) var currentASID: UInt32 = 0
    public var flushes: UInt64 = 0
    public var invalidations: UInt64 = 0

    static let asidShift: UInt64 = 45
    static let vpnMask: UInt64 = (1 << 45) - 1

    public init(_ c: TLBConfiguration) {
        configuration = c
        func arrays(_ d: [String: TLBArrayConfiguration]) -> [SetAssociativeCache?] {
            PageSize.allCases.map { s in
                d[s.name].map { a in SetAssociativeCache(sets: a.shape.sets, ways: a.shape.ways, policy: a.replacement) }
            }
        }
        l1i = arrays(c.l1i); l1d = arrays(c.l1d)
        if let u = c.l2["unified"] {
            l2 = [SetAssociativeCache(sets: u.shape.sets, ways: u.shape.ways, policy: u.replacement), nil,
                  c.l2["1G"].map { SetAssociativeCache(sets: $0.shape.sets, ways: $0.shape.ways, policy: $0.replacement) }]
            unifiedL2 = true
        } else {
            l2 = arrays(c.l2); unifiedL2 = false
        }
        walkCaches = (0..<3).map { i in
            let n = i < c.walkCacheEntries.count ? c.walkCacheEntries[i] : 0
            return n > 0 ? SetAssociativeCache(sets: 1, ways: n, policy: .lru) : nil
        }
    }

    @inline(__always) static func key(_ asid: UInt32, _ va: UInt64, _ shift: UInt64) -> UInt64 {
        (UInt64(asid & 0xFFF) << asidShift) | ((va >> shift) & vpnMask)
    }

    @inline(__always) func l2Index(_ s: Int) -> Int { unifiedL2 && s == 1 ? 0 : s }

    /// True when some TLB holds the translation of `va` (no state change).
    public func holds(_ va: UInt64, asid: UInt32, instruction: Bool) -> Bool {
        if !configuration.pcid && asid != currentASID { return false }
        let l1 = instruction ? l1i : l1d
        for s in PageSize.allCases {
            let k = MMU.key(asid, va, s.shift)
            if let a = l1[Int(s.rawValue)], a.contains(k) { return true }
            if let a = l2[l2Index(Int(s.rawValue))], a.contains(k) { return true }
        }
        return false
    }

    /// Switches to address space `asid`, flushing everything when PCID is off.
    public mutating func switchTo(_ asid: UInt32) {
        guard asid != currentASID else { return }
        if !configuration.pcid { flushAll() }
        currentASID = asid
    }

    /// Looks the translation up: L1 (that kind's array of every page size), then the STLB, whose
    /// hit refills L1. Returns the outcome and, on a hit, the page size found.
    public mutating func lookup(_ va: UInt64, asid: UInt32, instruction: Bool) -> (TLBOutcome, PageSize) {
        for s in PageSize.allCases {
            let i = Int(s.rawValue)
            let k = MMU.key(asid, va, s.shift)
            if instruction {
                if l1i[i] != nil, l1i[i]!.access(k, allocate: false).hit { return (.l1Hit, s) }
            } else {
                if l1d[i] != nil, l1d[i]!.access(k, allocate: false).hit { return (.l1Hit, s) }
            }
        }
        for s in PageSize.allCases {
            let j = l2Index(Int(s.rawValue))
            let k = MMU.key(asid, va, s.shift)
            if l2[j] != nil, l2[j]!.access(k, allocate: false).hit {
                fillL1(k, size: s, instruction: instruction)
                return (.l2Hit, s)
            }
        }
        return (.walk, .size4K)
    }

    mutating func fillL1(_ k: UInt64, size: PageSize, instruction: Bool) {
        let i = Int(size.rawValue)
        if instruction { if l1i[i] != nil { _ = l1i[i]!.access(k) } } else if l1d[i] != nil { _ = l1d[i]!.access(k) }
    }

    /// Installs a walked translation in the STLB and the L1 TLB.
    public mutating func fill(_ va: UInt64, asid: UInt32, size: PageSize, instruction: Bool) {
        let k = MMU.key(asid, va, size.shift)
        let j = l2Index(Int(size.rawValue))
        if l2[j] != nil { _ = l2[j]!.access(k) }
        fillL1(k, size: size, instruction: instruction)
    }

    /// Which of the walk's entries (depth from the top, 0-based) the paging-structure caches let
    /// the walker skip to: returns the first depth it must read. `leafDepth` entries make a full walk.
    public mutating func walkStart(_ va: UInt64, asid: UInt32, leafDepth: Int) -> (start: Int, cacheHit: Bool) {
        let levels = configuration.levels
        var d = leafDepth - 2
        while d >= 0 {
            let c = d - (levels - 4)   // cache index: PML4E = 0, PDPTE = 1, PDE = 2
            if c >= 0 && c < 3, walkCaches[c] != nil {
                let shift = UInt64(12 + 9 * (levels - 1 - d))
                if walkCaches[c]!.access(MMU.key(asid, va, shift), allocate: false).hit { return (d + 1, true) }
            }
            d -= 1
        }
        return (0, false)
    }

    /// Caches the non-leaf entries a walk read at depths [start, leafDepth − 1).
    public mutating func fillWalkCaches(_ va: UInt64, asid: UInt32, start: Int, leafDepth: Int) {
        let levels = configuration.levels
        guard start < leafDepth - 1 else { return }
        for d in start..<(leafDepth - 1) {
            let c = d - (levels - 4)
            if c >= 0 && c < 3, walkCaches[c] != nil {
                _ = walkCaches[c]!.access(MMU.key(asid, va, UInt64(12 + 9 * (levels - 1 - d))))
            }
        }
    }

    /// Drops every translation and paging-structure entry.
    public mutating func flushAll() {
        for i in 0..<3 { l1i[i]?.clear(); l1d[i]?.clear(); l2[i]?.clear(); walkCaches[i]?.clear() }
        flushes += 1
    }

    /// INVLPG over [firstVPN, endVPN) of `asid` (4 KiB page numbers): the TLB entries of any page
    /// size covering the range, and every paging-structure entry of that PCID (SDM §4.10.4.1).
    public mutating func invalidate(asid: UInt32, firstVPN: UInt64, endVPN: UInt64) {
        guard endVPN > firstVPN else { return }
        invalidations += 1
        let tag = UInt64(asid & 0xFFF)
        for s in PageSize.allCases {
            let shift = s.shift - 12
            let lo = firstVPN >> shift, hi = (endVPN - 1) >> shift
            let inRange: (UInt64) -> Bool = { k in k >> MMU.asidShift == tag && (k & MMU.vpnMask) >= lo && (k & MMU.vpnMask) <= hi }
            let i = Int(s.rawValue)
            if hi - lo < 64 {
                for v in lo...hi {
                    let k = (tag << MMU.asidShift) | (v & MMU.vpnMask)
                    l1i[i]?.remove(k); l1d[i]?.remove(k); l2[l2Index(i)]?.remove(k)
                }
            } else {
                l1i[i]?.removeAll(where: inRange); l1d[i]?.removeAll(where: inRange); l2[l2Index(i)]?.removeAll(where: inRange)
            }
        }
        for i in 0..<3 { walkCaches[i]?.removeAll { $0 >> MMU.asidShift == tag } }
    }

    /// Broken invariants of every array.
    public func invariantViolations() -> [String] {
        var out: [String] = []
        for (name, arrays) in [("l1i", l1i), ("l1d", l1d), ("l2", l2), ("walk", walkCaches)] {
            for (i, a) in arrays.enumerated() { if let a { out += a.invariantViolations().map { "\(name)[\(i)]: \($0)" } } }
        }
        return out
    }
}
