import Testing
import MemTrace
@testable import MemModel

/// The counter registry: unique names, the stored names and order of the baselines, values that
/// are the registry's counters in order, and the procps clamp of `free.used`.
@Suite struct CounterRegistryTests {
    static func machines() -> [LinuxKernel] {
        [makeKernel(), makeKernel(memory: 256 << 20), makeKernel(memory: 3584 << 20, nodes: 2)]
    }

    /// The stored counter names as the two positional lists before the registry spelled them
    /// (`counterNames` + `physicalCounterNames`), with the machine-wide counters added since
    /// (`commit.refusals`, the pressure counters), for the populated zones `zones`.
    static func namesBeforeTheRegistry(zones: [String]) -> [String] {
        var names = ["meminfo.MemTotal", "meminfo.MemFree", "meminfo.Cached", "meminfo.Shmem", "meminfo.AnonPages",
                     "meminfo.Mapped", "meminfo.PageTables", "meminfo.Dirty",
                     "vmstat.pgfault", "vmstat.pgmajfault", "vmstat.pgfree", "vmstat.pgreuse", "vmstat.pgpgin", "vmstat.pgpgout",
                     "vmstat.oom_kill", "free.used", "free.buff_cache", "free.shared", "processes.alive",
                     "meminfo.AnonHugePages", "vmstat.thp_fault_alloc", "vmstat.thp_fault_fallback", "vmstat.thp_split_pmd",
                     "meminfo.MemAvailable", "meminfo.Slab", "meminfo.SReclaimable", "meminfo.SUnreclaim", "meminfo.Committed_AS",
                     "vmstat.pgalloc_dma", "vmstat.pgalloc_dma32", "vmstat.pgalloc_normal", "vmstat.pgalloc_movable",
                     "vmstat.pgalloc_device",
                     "vmstat.compact_stall", "vmstat.compact_fail", "vmstat.compact_success", "vmstat.compact_migrate_scanned",
                     "vmstat.compact_free_scanned", "vmstat.compact_isolated", "vmstat.compact_daemon_wake",
                     "vmstat.pgmigrate_success", "phys.kswapd_wakeups", "phys.extfrag_events", "phys.alloc_failures",
                     "phys.pcp_kb", "commit.refusals",
                     "meminfo.SwapTotal", "meminfo.SwapFree", "meminfo.SwapCached", "vmstat.pswpin", "vmstat.pswpout",
                     "vmstat.pgscan_kswapd", "vmstat.pgscan_direct", "vmstat.pgsteal_kswapd", "vmstat.pgsteal_direct",
                     "vmstat.workingset_refault_anon", "vmstat.workingset_refault_file",
                     "meminfo.Active(anon)", "meminfo.Inactive(anon)", "meminfo.Active(file)", "meminfo.Inactive(file)",
                     "psi.memory.some_total_us", "psi.memory.full_total_us", "psi.io.some_total_us", "psi.memory.some_avg10"]
        let types = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"]
        for z in zones {
            names += ["zoneinfo.\(z).free", "zoneinfo.\(z).boost", "zoneinfo.\(z).wmark_level",
                      "zoneinfo.\(z).crossed_below_low", "zoneinfo.\(z).crossed_below_min", "zoneinfo.\(z).crossed_above_high"]
            for o in 0..<11 { names.append("buddyinfo.\(z).\(o)") }
            for o in 0..<11 { names.append("extfrag.\(z).\(o)") }
            for t in types { for o in 0..<11 { names.append("pagetypeinfo.\(z).\(t).\(o)") } }
        }
        return names
    }

    @Test func everyCounterHasAUniqueName() {
        for k in CounterRegistryTests.machines() {
            let names = k.counterNames
            #expect(Set(names).count == names.count)
            // A name that appears in several lists (stored, meminfo, vmstat) is one counter.
            var byName: [String: KernelCounter] = [:]
            for c in k.counters.counters + KernelCounter.meminfo + KernelCounter.vmstat {
                if let seen = byName[c.name] {
                    #expect(seen.unit == c.unit && seen.doc == c.doc && seen.value(k) == c.value(k), "\(c.name)")
                } else {
                    byName[c.name] = c
                }
            }
        }
        for list in [KernelCounter.meminfo, KernelCounter.vmstat] {
            #expect(Set(list.map(\.name)).count == list.count)
        }
        let items = PageStateCounter.zoneItems + PageStateCounter.nodeItems
        #expect(Set(items.map(\.name)).count == items.count)
        #expect(PageStateCounter.zoneItems.allSatisfy { $0.level == .zone } && PageStateCounter.nodeItems.allSatisfy { $0.level == .node })
        #expect(KernelCounter.meminfo.count == 50 && PageStateCounter.nodeItems.count == 40 && PageStateCounter.zoneItems.count == 11)
    }

    @Test func storedNamesAndOrderAreThoseOfTheBaselines() {
        for k in CounterRegistryTests.machines() {
            let zones = k.frames.zoneInfo.filter(\.isPopulated).map(\.counterName)
            #expect(k.counterNames == CounterRegistryTests.namesBeforeTheRegistry(zones: zones))
        }
        #expect(CounterRegistryTests.machines()[2].frames.zoneInfo.filter(\.isPopulated).map(\.counterName)
                == ["DMA", "DMA32", "Normal", "n1.Normal"])
    }

    @Test func valuesComeFromTheRegistryInOrder() {
        var k = makeKernel()
        let a = k.mapAnon(64 << 12)
        for i in 0..<64 { _ = k.store(a + UInt64(i) << 12) }
        k.openFile(3, size: 1 << 20)
        _ = k.file(FileCall(op: .write, file: FileID(3), offset: 0, length: 5 * 4096, result: 5 * 4096), pid: pid, path: "")
        let values = k.counterValues()
        #expect(values == k.counters.counters.map { $0.value(k) })
        #expect(values.count == k.counterNames.count)
        let byName = Dictionary(uniqueKeysWithValues: zip(k.counterNames, values))
        #expect(byName["meminfo.AnonPages"] == 256 && byName["meminfo.Dirty"] == 20 && byName["vmstat.pgfault"] == 64)
        #expect(byName["meminfo.MemTotal"] == Int64(k.frames.totalPages * 4))
        // The final metrics start with the same counters.
        let metrics = k.metrics()
        #expect(metrics.prefix(values.count).map(\.name) == k.counterNames)
        #expect(metrics.prefix(values.count).map(\.value) == values.map(Double.init))
    }

    @Test func freeUsedIsClampedAsProcps33ClampsIt() {
        // Unclamped, 100 − 50 − 80 = −30: procps 3.3 reports MemTotal − MemFree instead.
        #expect(FreeColumns.usedProcps33(total: 100, free: 50, buffCache: 80) == 50)
        #expect(FreeColumns.usedProcps33(total: 100, free: 120, buffCache: 0) == 0)
        #expect(FreeColumns.usedProcps33(total: 8_000_000, free: 5_000_000, buffCache: 1_850_000) == 1_150_000)
        #expect(FreeColumns.procps4(total: 100, free: 40, available: 130) == (60, 40))
        #expect(FreeColumns.procps4(total: 100, free: 40, available: 70) == (30, 70))
        // The metric is that function of the meminfo counters.
        var k = makeKernel()
        k.openFile(3, size: 1 << 20)
        _ = k.file(FileCall(op: .read, file: FileID(3), offset: 0, length: 1 << 20, result: 1 << 20), pid: pid, path: "")
        let buffCache = UInt64(k.value(of: .cached) + k.value(of: .sReclaimable))
        #expect(k.value(of: .freeBuffCache) == Int64(buffCache) && buffCache > 0)
        #expect(k.value(of: .freeUsed) == Int64(FreeColumns.usedProcps33(total: UInt64(k.value(of: .memTotal)),
                                                                         free: UInt64(k.value(of: .memFree)), buffCache: buffCache)))
    }
}
