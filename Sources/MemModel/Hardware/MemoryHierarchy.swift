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
    /// Caches by slot: 0 L1i, 1 L1d, 2 L2, 3 L3 (nil when absent).
    public var caches: [CacheLevel?]
    /// The tag arrays of the four slots (a 1×1 placeholder where a level is absent).
    var tags0: SetAssociativeCache, tags1: SetAssociativeCache, tags2: SetAssociativeCache, tags3: SetAssociativeCache
    /// Per slot: line shift and hit latency, copied out of `caches` for the hot path.
    let shifts: (UInt64, UInt64, UInt64, UInt64)
    let latencies: (Int, Int, Int, Int)
    /// Which slots exist, and the per-slot probe and miss counts of the cachegrind path (kept out
    /// of `caches` so the hot loop does not go through an array of optionals).
    let present: [Bool]
    var fastAccesses: [UInt64] = [0, 0, 0, 0]
    var fastMisses: [UInt64] = [0, 0, 0, 0]
    public var mmu: MMU?
    public var dram: DRAMModel?
    public var counters = HardwareCounters()
    /// Present slots an instruction fetch and a data access go through, top first.
    let chainI: [Int]
    let chainD: [Int]
    let lastSlot: Int
    let clipBytes: UInt64
    let lineShift: UInt64
    /// The in-order core's clock, in nanoseconds.
    public private(set) var nowNs: Double = 0
    let nsPerCycle: Double
    let enabled: Bool

    public init(_ c: HardwareConfiguration) {
        configuration = c
        let levels = [c.l1i, c.l1d, c.l2, c.l3].map { $0.map(CacheLevel.init) }
        caches = levels
        func tags(_ c: CacheConfiguration?) -> SetAssociativeCache {
            c.map { SetAssociativeCache($0.geometry, policy: $0.replacement, seed: $0.seed) } ?? SetAssociativeCache(sets: 1, ways: 1)
        }
        present = levels.map { $0 != nil }
        tags0 = tags(c.l1i); tags1 = tags(c.l1d); tags2 = tags(c.l2); tags3 = tags(c.l3)
        shifts = (levels[0]?.lineShift ?? 6, levels[1]?.lineShift ?? 6, levels[2]?.lineShift ?? 6, levels[3]?.lineShift ?? 6)
        latencies = (c.l1i?.latencyCycles ?? 0, c.l1d?.latencyCycles ?? 0, c.l2?.latencyCycles ?? 0, c.l3?.latencyCycles ?? 0)
        mmu = (c.addressing == .physical ? c.tlb : nil).map(MMU.init)
        dram = c.dram.map(DRAMModel.init)
        chainI = [0, 2, 3].filter { levels[$0] != nil }
        chainD = [1, 2, 3].filter { levels[$0] != nil }
        lastSlot = [3, 2, 1, 0].first { levels[$0] != nil } ?? -1
        clipBytes = UInt64(c.minLineBytes)
        lineShift = UInt64(c.minLineBytes.trailingZeroBitCount)
        nsPerCycle = 1 / c.clockGHz
        enabled = c.isEnabled
    }

    public var isEnabled: Bool { enabled }

    public func needsWalk(_ access: MemoryAccess, asid: UInt32) -> Bool {
        guard let mmu else { return false }
        return !mmu.holds(access.address.rawValue, asid: asid, instruction: access.kind == .instruction)
    }

    public mutating func access(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber, walk: PageWalk) -> HardwareOutcome {
        if configuration.cachegrindRules && configuration.addressing == .virtual { return accessCachegrind(access) }
        let va = access.address.rawValue
        let instruction = access.kind == .instruction
        var out = HardwareOutcome()
        var latency = 0
        if mmu != nil {
            mmu!.switchTo(asid)
            counters.tlbAccesses += 1
            var (t, _) = mmu!.lookup(va, asid: asid, instruction: instruction)
            switch t {
            case .l1Hit: counters.tlbL1Hits += 1
            case .l2Hit: counters.tlbL2Hits += 1; latency += mmu!.configuration.l2LatencyCycles
            default:
                t = .walk
                counters.tlbWalks += 1
                let w = pageWalk(va, asid: asid, walk: walk, instruction: instruction)
                out.walkReferences = w.references; out.walkServed = w.served
                latency += w.latency
            }
            out.tlb = t
        }
        let base = configuration.addressing == .physical ? frame.physicalAddress | (va & 0xFFF) : va
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
        return configuration.recordAccesses ? out : .none
    }

    /// cachegrind's and the docs' counters for one access served at `served`.
    @inline(__always) mutating func count(_ kind: AccessKind, _ served: MemoryLevel) {
        let l1miss = served.rawValue > MemoryLevel.l1.rawValue
        let llmiss = served == .memory
        switch kind {
        case .instruction: counters.Ir += 1; if l1miss { counters.I1mr += 1 }; if llmiss { counters.ILmr += 1 }
        case .load, .modify: counters.Dr += 1; if l1miss { counters.D1mr += 1 }; if llmiss { counters.DLmr += 1 }
        case .store: counters.Dw += 1; if l1miss { counters.D1mw += 1 }; if llmiss { counters.DLmw += 1 }
        }
    }

    /// Serves the line holding physical (or virtual) address `pa` down the hierarchy; returns the
    /// level that had it and adds the latency (and DRAM/NUMA facts) to `out`.
    @usableFromInline
    mutating func serve(_ pa: UInt64, write: Bool, instruction: Bool, into out: inout HardwareOutcome) -> MemoryLevel {
        let chain = instruction ? chainI : chainD
        var latency = 0
        for k in 0..<chain.count {
            let slot = chain[k]
            latency += hitLatency(slot)
            caches[slot]!.accesses &+= 1
            let line = pa >> shift(slot)
            if k > 0 && caches[slot]!.configuration.inclusion == .exclusive {
                let r = withTags(slot) { $0.remove(line) }
                if r.present {
                    if r.dirty { markDirtyAbove(pa, position: k, chain: chain) }
                    out.latency = UInt32(latency)
                    return level(of: slot)
                }
                caches[slot]!.misses &+= 1
                continue
            }
            let store = write && k == 0
            let c = caches[slot]!.configuration
            let p = withTags(slot) { $0.access(line, dirty: store && c.writeBack, allocate: !store || c.writeAllocate) }
            if p.hit {
                out.latency = UInt32(latency)
                return level(of: slot)
            }
            caches[slot]!.misses &+= 1
            if p.evicted != CacheProbe.noLine {
                evicted(p.evicted << shift(slot), dirty: p.evictedDirty, position: k, chain: chain)
            }
            if c.prefetcher != .none, let target = caches[slot]!.prefetchTarget(after: line, stream: instruction ? 1 : 0),
               !tags(slot).contains(target) {
                caches[slot]!.prefetches &+= 1
                let q = withTags(slot) { $0.access(target) }
                if q.evicted != CacheProbe.noLine {
                    evicted(q.evicted << shift(slot), dirty: q.evictedDirty, position: k, chain: chain)
                }
            }
        }
        latency += memoryLatency(pa, into: &out)
        out.latency = UInt32(latency)
        return .memory
    }

    /// Probes and misses of `slot` over the run (both paths).
    public func stats(_ slot: Int) -> (accesses: UInt64, misses: UInt64) {
        guard let c = caches[slot] else { return (0, 0) }
        return (c.accesses + fastAccesses[slot], c.misses + fastMisses[slot])
    }

    /// The tag array of `slot` (0 L1i, 1 L1d, 2 L2, 3 L3).
    public func tags(_ slot: Int) -> SetAssociativeCache {
        switch slot { case 0: tags0; case 1: tags1; case 2: tags2; default: tags3 }
    }

    /// Runs `body` on the tag array of `slot`, in place.
    @inline(__always)
    mutating func withTags<R>(_ slot: Int, _ body: (inout SetAssociativeCache) -> R) -> R {
        switch slot {
        case 0: return body(&tags0)
        case 1: return body(&tags1)
        case 2: return body(&tags2)
        default: return body(&tags3)
        }
    }

    @inline(__always) func shift(_ slot: Int) -> UInt64 {
        switch slot { case 0: shifts.0; case 1: shifts.1; case 2: shifts.2; default: shifts.3 }
    }

    @inline(__always) func hitLatency(_ slot: Int) -> Int {
        switch slot { case 0: latencies.0; case 1: latencies.1; case 2: latencies.2; default: latencies.3 }
    }

    @inline(__always) func level(of slot: Int) -> MemoryLevel {
        slot <= 1 ? .l1 : (slot == 2 ? .l2 : .l3)
    }

    /// A line left the cache at chain position `k`: inclusive levels back-invalidate above,
    /// exclusive next levels take the victim, dirty data goes to the next level or memory.
    mutating func evicted(_ addr: UInt64, dirty: Bool, position k: Int, chain: [Int]) {
        let slot = chain[k]
        var dirty = dirty
        if k > 0 && caches[slot]!.configuration.inclusion == .inclusive {
            for above in 0..<slot where caches[above] != nil {
                let line = addr >> shift(above)
                let r = withTags(above) { $0.remove(line) }
                if r.present { caches[slot]!.backInvalidations &+= 1; if r.dirty { dirty = true } }
            }
        }
        if dirty { caches[slot]!.writeBacks &+= 1 }
        let next = k + 1
        if next < chain.count {
            let n = chain[next]
            let line = addr >> shift(n)
            if caches[n]!.configuration.inclusion == .exclusive {
                let p = withTags(n) { $0.access(line, dirty: dirty) }
                if p.evicted != CacheProbe.noLine { evicted(p.evicted << shift(n), dirty: p.evictedDirty, position: next, chain: chain) }
            } else if dirty && caches[slot]!.configuration.writeBack {
                if !withTags(n, { $0.markDirty(line) }) {
                    let p = withTags(n) { $0.access(line, dirty: true) }
                    if p.evicted != CacheProbe.noLine { evicted(p.evicted << shift(n), dirty: p.evictedDirty, position: next, chain: chain) }
                }
            }
        } else if dirty && caches[slot]!.configuration.writeBack {
            counters.memoryWrites &+= 1
            dram?.write(addr)
        }
    }

    /// An exclusive level gave a dirty line up: the copy now above it holds the dirty data.
    mutating func markDirtyAbove(_ pa: UInt64, position k: Int, chain: [Int]) {
        let above = chain[k - 1]
        let line = pa >> shift(above)
        _ = withTags(above) { $0.markDirty(line) }
    }

    /// Cycles for a memory read of `pa`: DRAM bank timing (or the fixed latency) scaled by the
    /// NUMA distance from the CPU's node to the node owning `pa` (distance / 10).
    mutating func memoryLatency(_ pa: UInt64, into out: inout HardwareOutcome) -> Int {
        counters.memoryReads &+= 1
        var factor = 1.0
        if let numa = configuration.numa {
            let node = numa.node(of: pa)
            out.numaNode = UInt8(clamping: node)
            out.remote = node != numa.cpuNode
            if out.remote { counters.numaRemote &+= 1 } else { counters.numaLocal &+= 1 }
            factor = Double(numa.distances[numa.cpuNode][node]) / 10
        }
        guard dram != nil else { return Int((Double(configuration.memoryLatencyCycles) * factor).rounded()) }
        let r = dram!.read(pa, at: nowNs)
        out.dram = r.outcome
        out.dramChannel = UInt8(clamping: r.location.channel)
        out.dramRank = UInt8(clamping: r.location.dimm * configuration.dram!.ranksPerDimm + r.location.rank)
        out.dramBank = UInt8(clamping: r.location.bankGroup * configuration.dram!.banksPerGroup + r.location.bank)
        return Int((r.latencyNs * factor * configuration.clockGHz).rounded())
    }

    public mutating func invalidate(asid: UInt32, firstVPN: UInt64, endVPN: UInt64) {
        mmu?.invalidate(asid: asid, firstVPN: firstVPN, endVPN: endVPN)
    }

    /// Broken invariants of every structure.
    public func invariantViolations() -> [String] {
        var out: [String] = []
        for (i, c) in caches.enumerated() where c != nil { out += tags(i).invariantViolations().map { "cache slot \(i): \($0)" } }
        if let mmu { out += mmu.invariantViolations() }
        if let dram { out += dram.invariantViolations() }
        let c = counters
        if c.I1mr > c.Ir || c.ILmr > c.I1mr { out.append("instruction misses exceed their accesses") }
        if c.D1mr > c.Dr || c.DLmr > c.D1mr || c.D1mw > c.Dw || c.DLmw > c.D1mw { out.append("data misses exceed their accesses") }
        if c.tlbL1Hits + c.tlbL2Hits + c.tlbWalks != c.tlbAccesses { out.append("TLB outcomes do not add up to TLB accesses") }
        return out
    }
}
