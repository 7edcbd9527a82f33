import MemTrace

/// The physical layer's counters for the time series (`counter_samples`): free blocks per order
/// and per order and migrate type, fragmentation indices, watermark state and crossings per zone,
/// pgalloc per zone, compaction events, and the meminfo fields the physical layer makes exact.
extension LinuxKernel {
    var populatedZones: [Int] { frames.zones.indices.filter { frames.zones[$0].isPopulated } }

    public var physicalCounterNames: [String] {
        var names = ["meminfo.MemAvailable", "meminfo.Slab", "meminfo.SReclaimable", "meminfo.SUnreclaim",
                     "meminfo.Committed_AS"]
        for t in ZoneType.all { names.append("vmstat.pgalloc_" + t.vmstatName) }
        names += ["vmstat.compact_stall", "vmstat.compact_fail", "vmstat.compact_success", "vmstat.compact_migrate_scanned",
                  "vmstat.compact_free_scanned", "vmstat.compact_isolated", "vmstat.compact_daemon_wake",
                  "vmstat.pgmigrate_success", "phys.kswapd_wakeups", "phys.extfrag_events", "phys.alloc_failures",
                  "phys.pcp_kb"]
        for zi in populatedZones {
            let z = frames.zones[zi].counterName
            names += ["zoneinfo.\(z).free", "zoneinfo.\(z).boost", "zoneinfo.\(z).wmark_level",
                      "zoneinfo.\(z).crossed_below_low", "zoneinfo.\(z).crossed_below_min", "zoneinfo.\(z).crossed_above_high"]
            for o in 0..<PhysicalMemory.orders { names.append("buddyinfo.\(z).\(o)") }
            for o in 0..<PhysicalMemory.orders { names.append("extfrag.\(z).\(o)") }
            for t in MigrateType.all { for o in 0..<PhysicalMemory.orders { names.append("pagetypeinfo.\(z).\(t.name).\(o)") } }
        }
        return names
    }

    public func physicalCounterValues() -> [Int64] {
        let s = frames.stats
        let sr = Int64(slab.reclaimablePages * 4), su = Int64(slab.unreclaimablePages * 4)
        var v: [Int64] = [Int64(memAvailablePages * 4), sr + su, sr, su, Int64(committedPages * 4)]
        for t in ZoneType.all { v.append(Int64(frames.zones.filter { $0.type == t }.reduce(0) { $0 + $1.pgalloc })) }
        v += [s.compactStall, s.compactFail, s.compactSuccess, s.compactMigrateScanned, s.compactFreeScanned,
              s.compactIsolated, s.compactDaemonWake, s.pgmigrateSuccess, s.kswapdWakeups, s.extfragEvents, s.allocFailures,
              frames.pcpPages * 4].map { Int64($0) }
        for zi in populatedZones {
            let z = frames.zones[zi]
            v += [Int64(z.freePages), Int64(z.boost), Int64(z.level), Int64(z.crossedBelowLow), Int64(z.crossedBelowMin), Int64(z.crossedAboveHigh)]
            for o in 0..<PhysicalMemory.orders { v.append(Int64(z.nrFree[o])) }
            for o in 0..<PhysicalMemory.orders { v.append(Int64(frames.fragmentationIndex(zone: zi, order: o))) }
            for t in MigrateType.all { for o in 0..<PhysicalMemory.orders { v.append(Int64(frames.freeBlocks(zone: zi, order: o, type: t))) } }
        }
        return v
    }
}
