extension MemoryHierarchy {
    /// The run's hardware metrics: cachegrind's names, then `cache.<level>.*`, `tlb.*`, `dram.*`,
    /// `numa.*` and `latency.*` (docs/metrics.md), in a fixed order.
    public func metrics() -> [(name: String, value: Double)] {
        guard isEnabled else { return [] }
        let c = counters
        var m: [(name: String, value: Double)] = [
            ("cachegrind.Ir", Double(c.Ir)), ("cachegrind.I1mr", Double(c.I1mr)), ("cachegrind.ILmr", Double(c.ILmr)),
            ("cachegrind.Dr", Double(c.Dr)), ("cachegrind.D1mr", Double(c.D1mr)), ("cachegrind.DLmr", Double(c.DLmr)),
            ("cachegrind.Dw", Double(c.Dw)), ("cachegrind.D1mw", Double(c.D1mw)), ("cachegrind.DLmw", Double(c.DLmw)),
        ]
        func rate(_ a: UInt64, _ b: UInt64) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        for (slot, name) in [(0, "L1i"), (1, "L1d"), (2, "L2"), (3, "L3")] {
            guard present(slot) else { continue }
            let l = arena.extras[slot]
            let (accesses, misses) = stats(slot)
            m += [("cache.\(name).accesses", Double(accesses)), ("cache.\(name).misses", Double(misses)),
                  ("cache.\(name).miss_rate", rate(misses, accesses)), ("cache.\(name).writebacks", Double(l.writeBacks)),
                  ("cache.\(name).prefetches", Double(l.prefetches)),
                  ("cache.\(name).back_invalidations", Double(l.backInvalidations))]
        }
        if hasMMU {
            let mmu = tlbs
            m += [("tlb.accesses", Double(c.tlbAccesses)), ("tlb.l1_hits", Double(c.tlbL1Hits)),
                  ("tlb.l2_hits", Double(c.tlbL2Hits)), ("tlb.walks", Double(c.tlbWalks)),
                  ("tlb.miss_rate", rate(c.tlbWalks, c.tlbAccesses)),
                  ("tlb.l1_miss_rate", rate(c.tlbL2Hits + c.tlbWalks, c.tlbAccesses)),
                  ("tlb.walk_references", Double(c.walkReferences)), ("tlb.walk_cache_hits", Double(c.walkCacheHits))]
            for level in [MemoryLevel.l1, .l2, .l3, .memory] {
                m.append(("tlb.walk_references.\(level.name)", Double(c.walkServed[Int(level.rawValue)])))
            }
            m += [("tlb.flushes", Double(mmu.flushes)), ("tlb.invalidations", Double(mmu.invalidations))]
        }
        if c.touchesNotSimulated > 0 {
            // Fault-derived touches are one per page fault, not the program's accesses: every
            // figure above covers only the complete access stream (lackey, synthesized), if any.
            m.append(("hw.stream_complete", 0))
            m.append(("hw.touches_not_simulated", Double(c.touchesNotSimulated)))
        }
        m.append(("memory.reads", Double(c.memoryReads)))
        m.append(("memory.writebacks", Double(c.memoryWrites)))
        if hasDRAM {
            let dram = memory
            let reads = dram.rowHits + dram.rowMisses + dram.rowConflicts
            m += [("dram.reads", Double(reads)), ("dram.writes", Double(dram.writes)),
                  ("dram.row_hits", Double(dram.rowHits)), ("dram.row_misses", Double(dram.rowMisses)),
                  ("dram.row_conflicts", Double(dram.rowConflicts)), ("dram.row_hit_rate", rate(dram.rowHits, reads)),
                  ("dram.refresh_waits", Double(dram.refreshWaits))]
        }
        if hasNUMA {
            m += [("numa.local", Double(c.numaLocal)), ("numa.remote", Double(c.numaRemote))]
        }
        m += [("latency.cycles_total", Double(c.latencyCycles)), ("latency.mean_cycles", rate(c.latencyCycles, c.accesses))]
        return m
    }
}
