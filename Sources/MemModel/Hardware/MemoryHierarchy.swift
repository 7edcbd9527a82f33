import MemTrace

/// The hardware model: MMU (TLBs, paging-structure caches, page walks whose references go through
/// the data caches), L1I/L1D/L2/L3 with their policies, DRAM banks and NUMA distances.
///
/// Built from a `HardwareConfiguration`; any part may be absent. With `cachegrindRules` and
/// virtual addressing it is valgrind cachegrind's simulator (`accessCachegrind`). Otherwise each
/// line of an access is served down the hierarchy: an L1 probe (allocating unless a
/// no-write-allocate store), then L2, L3 and memory; evictions write dirty lines back to the next
/// level, inclusive levels back-invalidate the levels above, exclusive levels are filled by the
/// victims of the level above and give their line up on a hit. Time is the sum of latencies of an
/// in-order core (one access at a time); DRAM banks keep their ready times on that clock.
public struct MemoryHierarchy: HardwareModel {
    public let configuration: HardwareConfiguration
    /// The tag arrays of the four slots (0 L1i, 1 L1d, 2 L2, 3 L3; an absent level has zero ways)
    /// and, as its extras, their `CacheLevel`s: one allocation, reached through constant pointers.
    var arena: TagArena<CacheLevel>
    /// Bit `slot` set when that level exists.
    let presentMask: UInt8
    /// The MMU (an empty one when `hasMMU` is false; kept non-optional so the hot path never
    /// copies it out of an optional).
    var tlbs: MMU
    let hasMMU: Bool
    /// The TLB key (`MMU.key` at 4 KiB) of the last instruction fetch and the last data access
    /// whose 4 KiB translation then sat in that kind's L1 TLB (`UInt64.max`: none). Only an access
    /// of the same kind changes that L1 array, a changed ASID or an invalidation clears these, so
    /// a repeat of the page is an L1 hit on the entry just used — a probe that changes nothing —
    /// and needs neither `MMU.holds` nor `MMU.lookup`.
    var lastPages: (instruction: UInt64, data: UInt64) = (.max, .max)
    /// Whether the L1 iTLB and dTLB have a 4 KiB array (where `lastPages` can point).
    let l1Has4K: (instruction: Bool, data: Bool)
    /// The DRAM model (a placeholder when `hasDRAM` is false).
    var memory: DRAMModel
    let hasDRAM: Bool
    public var counters = HardwareCounters()
    /// Present slots an instruction fetch and a data access go through, top first.
    let chainI: SlotChain
    let chainD: SlotChain
    let clipBytes: UInt64
    let lineShift: UInt64
    /// The in-order core's clock, in nanoseconds.
    public private(set) var nowNs: Double = 0
    let nsPerCycle: Double
    @usableFromInline let enabled: Bool
    /// Configuration facts read per access, copied out of the (boxed) configuration.
    let cachegrindPath: Bool
    let physical: Bool
    let recordAccesses: Bool
    let memoryLatencyCycles: Int
    let clockGHz: Double
    let hasNUMA: Bool
    let numaNodeBytes: UInt64
    let numaLastNode: UInt64
    let cpuNode: Int
    /// NUMA distance / 10 from the CPU's node to each node.
    let numaFactors: [Double]
    let ranksPerDimm: Int
    let banksPerGroup: Int

    /// Up to three cache slots, top first: a chain without an array.
    struct SlotChain {
        let count: Int
        let slots: (Int, Int, Int)
        init(_ s: [Int]) {
            count = s.count
            slots = (s.count > 0 ? s[0] : 0, s.count > 1 ? s[1] : 0, s.count > 2 ? s[2] : 0)
        }
        @inline(__always) subscript(k: Int) -> Int {
            switch k { case 0: slots.0; case 1: slots.1; default: slots.2 }
        }
    }

    public init(_ c: HardwareConfiguration) {
        configuration = c
        let configs = [c.l1i, c.l1d, c.l2, c.l3]
        let placeholder = CacheConfiguration(geometry: CacheGeometry(sizeBytes: 64, ways: 1, lineBytes: 64), latencyCycles: 0)
        arena = TagArena(configs.map { $0.map { TagShape(sets: $0.geometry.sets, ways: $0.geometry.ways, policy: $0.replacement, seed: $0.seed) } ?? .absent },
                         extras: configs.map { CacheLevel($0 ?? placeholder) })
        presentMask = configs.indices.reduce(UInt8(0)) { $0 | (configs[$1] != nil ? 1 << UInt8($1) : 0) }
        let tlb = c.addressing == .physical ? c.tlb : nil
        hasMMU = tlb != nil
        tlbs = MMU(tlb ?? TLBConfiguration(l1i: [:], l1d: [:], l2: [:], walkCacheEntries: []))
        l1Has4K = (tlb?.l1i["4K"] != nil, tlb?.l1d["4K"] != nil)
        hasDRAM = c.dram != nil
        memory = DRAMModel(c.dram ?? .ddr4_3200)
        chainI = SlotChain([0, 2, 3].filter { configs[$0] != nil })
        chainD = SlotChain([1, 2, 3].filter { configs[$0] != nil })
        clipBytes = UInt64(c.minLineBytes)
        lineShift = UInt64(c.minLineBytes.trailingZeroBitCount)
        nsPerCycle = 1 / c.clockGHz
        enabled = c.isEnabled
        cachegrindPath = c.cachegrindRules && c.addressing == .virtual
        physical = c.addressing == .physical
        recordAccesses = c.recordAccesses
        memoryLatencyCycles = c.memoryLatencyCycles
        clockGHz = c.clockGHz
        let numa = c.numa
        hasNUMA = numa != nil
        numaNodeBytes = numa?.nodeBytes ?? 0
        numaLastNode = UInt64(max(1, numa?.distances.count ?? 1) - 1)
        cpuNode = numa?.cpuNode ?? 0
        numaFactors = numa.map { n in n.distances[n.cpuNode].map { Double($0) / 10 } } ?? []
        ranksPerDimm = c.dram?.ranksPerDimm ?? 1
        banksPerGroup = c.dram?.banksPerGroup ?? 1
    }

    @inlinable public var isEnabled: Bool { enabled }

    /// Caches by slot: 0 L1i, 1 L1d, 2 L2, 3 L3 (nil when absent), with their counters.
    public var caches: [CacheLevel?] { (0..<4).map { present($0) ? arena.extras[$0] : nil } }
    /// The MMU, when TLBs are modelled.
    public var mmu: MMU? { hasMMU ? tlbs : nil }
    /// The DRAM model, when modelled.
    public var dram: DRAMModel? { hasDRAM ? memory : nil }

    @inline(__always) func present(_ slot: Int) -> Bool { presentMask & (1 << UInt8(slot)) != 0 }

    /// Copies the arena when another value shares it (a copied `MemoryHierarchy` stays independent).
    @inline(__always) mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&arena) { arena = arena.copy() }
    }

    public func needsWalk(_ access: MemoryAccess, asid: UInt32) -> Bool {
        guard hasMMU else { return false }
        let instruction = access.kind == .instruction
        let page = MMU.key(asid, access.address.rawValue, 12)
        if page == (instruction ? lastPages.instruction : lastPages.data) { return false }
        return !tlbs.holds(access.address.rawValue, asid: asid, instruction: access.kind == .instruction)
    }

    public mutating func access(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber, walk: PageWalk) -> HardwareOutcome {
        simulate(access, asid: asid, frame: frame, walk: { walk })
    }

    public mutating func access(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber,
                                walkIfNeeded walk: () -> PageWalk) -> HardwareOutcome {
        simulate(access, asid: asid, frame: frame, walk: walk)
    }

    /// One access through the MMU, the caches and memory; `walk` is called only for a page walk.
    @inline(__always)
    mutating func simulate(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber, walk: () -> PageWalk) -> HardwareOutcome {
        makeUnique()
        if cachegrindPath { return accessCachegrind(access) }
        let va = access.address.rawValue
        let instruction = access.kind == .instruction
        var out = HardwareOutcome()
        var latency = 0
        if hasMMU {
            if asid != tlbs.currentASID { lastPages = (.max, .max) }
            tlbs.switchTo(asid)
            counters.tlbAccesses &+= 1
            let page = MMU.key(asid, va, 12)
            if page == (instruction ? lastPages.instruction : lastPages.data) {
                counters.tlbL1Hits &+= 1
                out.tlb = .l1Hit
            } else {
                var (t, size) = tlbs.lookup(va, asid: asid, instruction: instruction)
                switch t {
                case .l1Hit: counters.tlbL1Hits &+= 1
                case .l2Hit: counters.tlbL2Hits &+= 1; latency += tlbs.l2LatencyCycles
                default:
                    t = .walk
                    let tables = walk()
                    size = tables.pageSize
                    counters.tlbWalks &+= 1
                    let w = pageWalk(va, asid: asid, walk: tables, instruction: instruction)
                    out.walkReferences = w.references; out.walkServed = w.served
                    latency += w.latency
                }
                out.tlb = t
                let remembered = size == .size4K && (instruction ? l1Has4K.instruction : l1Has4K.data) ? page : UInt64.max
                if instruction { lastPages.instruction = remembered } else { lastPages.data = remembered }
            }
        }
        let base = physical ? frame.physicalAddress | Page.offset(of: va) : va
        let size = UInt64(max(1, min(UInt64(access.size), clipBytes)))
        let write = access.kind == .store || access.kind == .modify
        // An access straddling two lines costs its slower line.
        let firstLine = base >> lineShift, lastLine = (base &+ size &- 1) >> lineShift
        var served = serve(base, write: write, instruction: instruction, into: &out)
        if lastLine != firstLine {
            var second = HardwareOutcome()
            let s2 = serve(lastLine << lineShift, write: write, instruction: instruction, into: &second)
            if s2.rawValue > served.rawValue { served = s2; out.dram = second.dram; out.dramChannel = second.dramChannel
                out.dramRank = second.dramRank; out.dramBank = second.dramBank; out.numaNode = second.numaNode
                out.remote = second.remote }
            latency += max(0, Int(second.latency) - Int(out.latency))
        }
        latency += Int(out.latency)
        out.servedBy = served
        out.latency = UInt32(clamping: latency)
        count(access.kind, served)
        counters.latencyCycles &+= UInt64(latency)
        counters.accesses &+= 1
        nowNs += Double(latency) * nsPerCycle
        return recordAccesses ? out : HardwareOutcome()
    }

    /// cachegrind's and the docs' counters for one access served at `served`.
    @inline(__always) mutating func count(_ kind: AccessKind, _ served: MemoryLevel) {
        let l1miss = served.rawValue > MemoryLevel.l1.rawValue
        let llmiss = served == .memory
        switch kind {
        case .instruction: counters.Ir += 1; if l1miss { counters.I1mr += 1 }; if llmiss { counters.ILmr += 1 }
        case .load, .modify: counters.Dr += 1; if l1miss { counters.D1mr += 1 }; if llmiss { counters.DLmr += 1 }
        case .store: counters.Dw += 1; if l1miss { counters.D1mw += 1 }; if llmiss { counters.DLmw += 1 }
        case .touchLoad, .touchStore, .touchFetch, .touchAny: break  // never simulated (HardwareModel.touched)
        }
    }

    /// Probes and misses of `slot` over the run.
    public func stats(_ slot: Int) -> (accesses: UInt64, misses: UInt64) {
        guard present(slot) else { return (0, 0) }
        let l = arena.extras[slot]
        return (l.accesses, l.misses)
    }

    /// A copy of the tag array of `slot` (0 L1i, 1 L1d, 2 L2, 3 L3).
    public func tags(_ slot: Int) -> SetAssociativeCache {
        SetAssociativeCache(copying: arena.arrays[slot])
    }

    @inline(__always) static func level(of slot: Int) -> MemoryLevel {
        slot <= 1 ? .l1 : (slot == 2 ? .l2 : .l3)
    }

    /// Counts a fault-derived touch without simulating it (see `HardwareModel.touched`).
    public mutating func touched(_ access: MemoryAccess, asid: UInt32) { counters.touchesNotSimulated += 1 }

    public mutating func invalidate(asid: UInt32, firstVPN: UInt64, endVPN: UInt64) {
        if hasMMU {
            tlbs.invalidate(asid: asid, firstVPN: firstVPN, endVPN: endVPN)
            lastPages = (.max, .max)
        }
    }

    /// Broken invariants of every structure.
    public func invariantViolations() -> [String] {
        var out: [String] = []
        for i in 0..<4 where present(i) { out += arena.arrays[i].invariantViolations().map { "cache slot \(i): \($0)" } }
        if hasMMU { out += tlbs.invariantViolations() }
        if hasDRAM { out += memory.invariantViolations() }
        let c = counters
        if c.I1mr > c.Ir || c.ILmr > c.I1mr { out.append("instruction misses exceed their accesses") }
        if c.D1mr > c.Dr || c.DLmr > c.D1mr || c.D1mw > c.Dw || c.DLmw > c.D1mw { out.append("data misses exceed their accesses") }
        if c.tlbL1Hits + c.tlbL2Hits + c.tlbWalks != c.tlbAccesses { out.append("TLB outcomes do not add up to TLB accesses") }
        return out
    }
}
