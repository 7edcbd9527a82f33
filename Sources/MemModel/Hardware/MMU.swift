/// The translation hardware: L1 instruction and data TLBs and the second-level TLB, each an
/// array per page size (or one unified STLB), plus the paging-structure caches of the page walker
/// (Intel SDM vol. 3 §4.10.3: PML4E, PDPTE and PDE caches).
///
/// Keys are the virtual page number at the array's page size with the 12-bit PCID above bit 45,
/// so with PCID on, address spaces coexist; with it off a context switch flushes everything
/// (`switch_mm_irqs_off` without X86_FEATURE_PCID).
///
/// The twelve arrays live in one `TagArena` (absent ones have zero ways and always miss):
/// 0–2 the L1 iTLB per page size (`PageSize.rawValue`), 3–5 the L1 dTLB, 6–8 the STLB (6 is the
/// unified array when there is one), 9–11 the PML4E, PDPTE and PDE caches.
public struct MMU: Sendable {
    public let configuration: TLBConfiguration
    var arena: TagArena<Void>
    /// True when array 6 is one unified STLB serving 4K and 2M translations.
    let unifiedL2: Bool
    /// Configuration facts read per access, copied out of `configuration`.
    let levels: Int
    let pcid: Bool
    let l2LatencyCycles: Int
    public private(set) var currentASID: UInt32 = 0
    public var flushes: UInt64 = 0
    public var invalidations: UInt64 = 0

    static let asidShift: UInt64 = 45
    static let vpnMask: UInt64 = (1 << 45) - 1
    static let l1iBase = 0, l1dBase = 3, l2Base = 6, walkBase = 9

    public init(_ c: TLBConfiguration) {
        configuration = c
        levels = c.levels; pcid = c.pcid; l2LatencyCycles = c.l2LatencyCycles
        func shape(_ a: TLBArrayConfiguration?) -> TagShape {
            a.map { TagShape(sets: $0.shape.sets, ways: $0.shape.ways, policy: $0.replacement) } ?? .absent
        }
        func arrays(_ d: [String: TLBArrayConfiguration]) -> [TagShape] { PageSize.allCases.map { shape(d[$0.name]) } }
        var shapes = arrays(c.l1i) + arrays(c.l1d)
        if let u = c.l2["unified"] {
            shapes += [shape(u), .absent, shape(c.l2["1G"])]
            unifiedL2 = true
        } else {
            shapes += arrays(c.l2); unifiedL2 = false
        }
        shapes += (0..<3).map { i in
            let n = i < c.walkCacheEntries.count ? c.walkCacheEntries[i] : 0
            return n > 0 ? TagShape(sets: 1, ways: n, policy: .lru) : .absent
        }
        arena = TagArena(shapes)
    }

    @inline(__always) static func key(_ asid: UInt32, _ va: UInt64, _ shift: UInt64) -> UInt64 {
        (UInt64(asid & 0xFFF) << asidShift) | ((va >> shift) & vpnMask)
    }

    /// The page shift of `PageSize(rawValue: s)` (12, 21, 30).
    @inline(__always) static func shift(_ s: Int) -> UInt64 { UInt64(12 + 9 * s) }

    /// The STLB array serving page size `s`.
    @inline(__always) static func l2Index(_ s: Int, unified: Bool) -> Int { MMU.l2Base + (unified && s == 1 ? 0 : s) }

    /// Copies the arena when another value shares it.
    @inline(__always) mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&arena) { arena = arena.copy() }
    }

    /// True when some TLB holds the translation of `va` (no state change).
    public func holds(_ va: UInt64, asid: UInt32, instruction: Bool) -> Bool {
        if !pcid && asid != currentASID { return false }
        let l1 = instruction ? MMU.l1iBase : MMU.l1dBase
        for s in 0..<3 {
            let k = MMU.key(asid, va, MMU.shift(s))
            if (arena.arrays + l1 + s).contains(k) || (arena.arrays + MMU.l2Index(s, unified: unifiedL2)).contains(k) { return true }
        }
        return false
    }

    /// Switches to address space `asid`, flushing everything when PCID is off.
    public mutating func switchTo(_ asid: UInt32) {
        guard asid != currentASID else { return }
        if !pcid { flushAll() }
        currentASID = asid
    }

    /// Looks the translation up: L1 (that kind's array of every page size), then the STLB, whose
    /// hit refills L1. Returns the outcome and, on a hit, the page size found.
    public mutating func lookup(_ va: UInt64, asid: UInt32, instruction: Bool) -> (TLBOutcome, PageSize) {
        makeUnique()
        let l1 = instruction ? MMU.l1iBase : MMU.l1dBase
        for s in 0..<3 {
            if (arena.arrays + l1 + s).access(MMU.key(asid, va, MMU.shift(s)), allocate: false).hit { return (.l1Hit, PageSize(rawValue: UInt8(s))!) }
        }
        for s in 0..<3 {
            let k = MMU.key(asid, va, MMU.shift(s))
            if (arena.arrays + MMU.l2Index(s, unified: unifiedL2)).access(k, allocate: false).hit {
                _ = (arena.arrays + l1 + s).access(k)
                return (.l2Hit, PageSize(rawValue: UInt8(s))!)
            }
        }
        return (.walk, .size4K)
    }

    /// Installs a walked translation in the STLB and the L1 TLB.
    public mutating func fill(_ va: UInt64, asid: UInt32, size: PageSize, instruction: Bool) {
        makeUnique()
        let s = Int(size.rawValue)
        let k = MMU.key(asid, va, size.shift)
        _ = (arena.arrays + MMU.l2Index(s, unified: unifiedL2)).access(k)
        _ = (arena.arrays + (instruction ? MMU.l1iBase : MMU.l1dBase) + s).access(k)
    }

    /// Which of the walk's entries (depth from the top, 0-based) the paging-structure caches let
    /// the walker skip to: returns the first depth it must read. `leafDepth` entries make a full walk.
    public mutating func walkStart(_ va: UInt64, asid: UInt32, leafDepth: Int) -> (start: Int, cacheHit: Bool) {
        makeUnique()
        var d = leafDepth - 2
        while d >= 0 {
            let c = d - (levels - 4)   // cache index: PML4E = 0, PDPTE = 1, PDE = 2
            if c >= 0 && c < 3 {
                let shift = UInt64(12 + 9 * (levels - 1 - d))
                if (arena.arrays + MMU.walkBase + c).access(MMU.key(asid, va, shift), allocate: false).hit { return (d + 1, true) }
            }
            d -= 1
        }
        return (0, false)
    }

    /// Caches the non-leaf entries a walk read at depths [start, leafDepth − 1).
    public mutating func fillWalkCaches(_ va: UInt64, asid: UInt32, start: Int, leafDepth: Int) {
        guard start < leafDepth - 1 else { return }
        makeUnique()
        for d in start..<(leafDepth - 1) {
            let c = d - (levels - 4)
            if c >= 0 && c < 3 {
                _ = (arena.arrays + MMU.walkBase + c).access(MMU.key(asid, va, UInt64(12 + 9 * (levels - 1 - d))))
            }
        }
    }

    /// Drops every translation and paging-structure entry.
    public mutating func flushAll() {
        makeUnique()
        for i in 0..<arena.count { arena.arrays[i].clear() }
        flushes += 1
    }

    /// INVLPG over [firstVPN, endVPN) of `asid` (4 KiB page numbers): the TLB entries of any page
    /// size covering the range, and every paging-structure entry of that PCID (SDM §4.10.4.1).
    public mutating func invalidate(asid: UInt32, firstVPN: UInt64, endVPN: UInt64) {
        guard endVPN > firstVPN else { return }
        makeUnique()
        invalidations += 1
        let tag = UInt64(asid & 0xFFF)
        for s in 0..<3 {
            let shift = MMU.shift(s) - 12
            let lo = firstVPN >> shift, hi = (endVPN - 1) >> shift
            let targets = [arena.arrays[MMU.l1iBase + s], arena.arrays[MMU.l1dBase + s], arena.arrays[MMU.l2Index(s, unified: unifiedL2)]]
            if hi - lo < 64 {
                for v in lo...hi {
                    let k = (tag << MMU.asidShift) | (v & MMU.vpnMask)
                    for a in targets { a.remove(k) }
                }
            } else {
                for a in targets {
                    a.removeAll { k in k >> MMU.asidShift == tag && (k & MMU.vpnMask) >= lo && (k & MMU.vpnMask) <= hi }
                }
            }
        }
        for c in 0..<3 { arena.arrays[MMU.walkBase + c].removeAll { $0 >> MMU.asidShift == tag } }
    }

    /// Broken invariants of every array.
    public func invariantViolations() -> [String] {
        let names = ["l1i", "l1d", "l2", "walk"]
        var out: [String] = []
        for i in 0..<arena.count {
            out += arena.arrays[i].invariantViolations().map { "\(names[i / 3])[\(i % 3)]: \($0)" }
        }
        return out
    }
}
