extension MemoryHierarchy {
    /// Serves the line holding physical (or virtual) address `pa` down the hierarchy; returns the
    /// level that had it and adds the latency (and DRAM/NUMA facts) to `out`.
    mutating func serve(_ pa: UInt64, write: Bool, instruction: Bool, into out: inout HardwareOutcome) -> MemoryLevel {
        let chain = instruction ? chainI : chainD
        let levels = arena.extras, arrays = arena.arrays
        var latency = 0
        for k in 0..<chain.count {
            let slot = chain[k]
            let level = levels + slot
            latency += level.pointee.latency
            level.pointee.accesses &+= 1
            let line = pa >> level.pointee.lineShift
            if k > 0 && level.pointee.exclusive {
                let r = (arrays + slot).remove(line)
                if r.present {
                    if r.dirty { markDirtyAbove(pa, position: k, chain: chain) }
                    out.latency = UInt32(latency)
                    return MemoryHierarchy.level(of: slot)
                }
                level.pointee.misses &+= 1
                continue
            }
            let store = write && k == 0
            let p = (arrays + slot).access(line, dirty: store && level.pointee.writeBack,
                                        allocate: !store || level.pointee.writeAllocate)
            if p.hit {
                out.latency = UInt32(latency)
                return MemoryHierarchy.level(of: slot)
            }
            level.pointee.misses &+= 1
            if p.evicted != CacheProbe.noLine {
                evicted(p.evicted << level.pointee.lineShift, dirty: p.evictedDirty, position: k, chain: chain)
            }
            if level.pointee.prefetcher != .none { prefetch(slot, after: line, instruction: instruction, position: k, chain: chain) }
        }
        latency += memoryLatency(pa, into: &out)
        out.latency = UInt32(latency)
        return .memory
    }

    /// The prefetcher of `slot` after a demand miss of `line`: fetches its target unless present.
    mutating func prefetch(_ slot: Int, after line: UInt64, instruction: Bool, position k: Int, chain: SlotChain) {
        let level = arena.extras + slot
        let tags = arena.arrays + slot
        guard let target = level.pointee.prefetchTarget(after: line, stream: instruction ? 1 : 0),
              !tags.contains(target) else { return }
        level.pointee.prefetches &+= 1
        let q = tags.access(target)
        if q.evicted != CacheProbe.noLine {
            evicted(q.evicted << level.pointee.lineShift, dirty: q.evictedDirty, position: k, chain: chain)
        }
    }

    /// A line left the cache at chain position `k`: inclusive levels back-invalidate above,
    /// exclusive next levels take the victim, dirty data goes to the next level or memory.
    mutating func evicted(_ addr: UInt64, dirty: Bool, position k: Int, chain: SlotChain) {
        let levels = arena.extras, arrays = arena.arrays
        let slot = chain[k]
        let level = levels + slot
        var dirty = dirty
        if k > 0 && level.pointee.inclusive {
            for above in 0..<slot where presentMask & (1 << UInt8(above)) != 0 {
                let r = (arrays + above).remove(addr >> levels[above].lineShift)
                if r.present { level.pointee.backInvalidations &+= 1; if r.dirty { dirty = true } }
            }
        }
        if dirty { level.pointee.writeBacks &+= 1 }
        let next = k + 1
        if next < chain.count {
            let n = chain[next]
            let line = addr >> levels[n].lineShift
            if levels[n].exclusive {
                let p = (arrays + n).access(line, dirty: dirty)
                if p.evicted != CacheProbe.noLine { evicted(p.evicted << levels[n].lineShift, dirty: p.evictedDirty, position: next, chain: chain) }
            } else if dirty && level.pointee.writeBack {
                if !(arrays + n).markDirty(line) {
                    let p = (arrays + n).access(line, dirty: true)
                    if p.evicted != CacheProbe.noLine { evicted(p.evicted << levels[n].lineShift, dirty: p.evictedDirty, position: next, chain: chain) }
                }
            }
        } else if dirty && level.pointee.writeBack {
            counters.memoryWrites &+= 1
            if hasDRAM { memory.write(addr) }
        }
    }

    /// An exclusive level gave a dirty line up: the copy now above it holds the dirty data.
    mutating func markDirtyAbove(_ pa: UInt64, position k: Int, chain: SlotChain) {
        let above = chain[k - 1]
        (arena.arrays + above).markDirty(pa >> arena.extras[above].lineShift)
    }

    /// Cycles for a memory read of `pa`: DRAM bank timing (or the fixed latency) scaled by the
    /// NUMA distance from the CPU's node to the node owning `pa` (distance / 10).
    mutating func memoryLatency(_ pa: UInt64, into out: inout HardwareOutcome) -> Int {
        counters.memoryReads &+= 1
        var factor = 1.0
        if hasNUMA {
            // NUMAConfiguration.node(of:): node i owns [i·nodeBytes, (i+1)·nodeBytes), the last takes the rest.
            let node = numaNodeBytes > 0 ? Int(min(pa / numaNodeBytes, numaLastNode)) : 0
            out.numaNode = UInt8(clamping: node)
            out.remote = node != cpuNode
            if out.remote { counters.numaRemote &+= 1 } else { counters.numaLocal &+= 1 }
            factor = numaFactors[node]
        }
        guard hasDRAM else { return Int((Double(memoryLatencyCycles) * factor).rounded()) }
        let r = memory.read(pa, at: nowNs)
        out.dram = r.outcome
        out.dramChannel = UInt8(clamping: r.location.channel)
        out.dramRank = UInt8(clamping: r.location.dimm * ranksPerDimm + r.location.rank)
        out.dramBank = UInt8(clamping: r.location.bankGroup * banksPerGroup + r.location.bank)
        return Int((r.latencyNs * factor * clockGHz).rounded())
    }
}
