import MemModel

/// /proc/zoneinfo (`zoneinfo_show_print`, mm/vmstat.c, 6.1): per-node stats before the node's
/// first populated zone, then each zone's free pages, boost, watermarks, spanned / present /
/// managed, protection (lowmem_reserve), zone counters, NUMA counters, per-CPU pagesets,
/// node_unreclaimable and start_pfn. The LRU is not modelled yet: new pages count as inactive,
/// as they start out.
public struct ZoneinfoView: ProcView {
    public init() {}
    public var name: String { "zoneinfo" }
    public var summary: String { "zones: watermarks, sizes, protection, counters, pagesets" }

    static let nodeStats = ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
        "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file", "workingset_nodes",
        "workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon", "workingset_activate_file",
        "workingset_restore_anon", "workingset_restore_file", "workingset_nodereclaim", "nr_anon_pages", "nr_mapped",
        "nr_file_pages", "nr_dirty", "nr_writeback", "nr_writeback_temp", "nr_shmem", "nr_shmem_hugepages",
        "nr_shmem_pmdmapped", "nr_file_hugepages", "nr_file_pmdmapped", "nr_anon_transparent_hugepages",
        "nr_vmscan_write", "nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written", "nr_throttled_written",
        "nr_kernel_misc_reclaimable", "nr_foll_pin_acquired", "nr_foll_pin_released", "nr_kernel_stack",
        "nr_page_table_pages", "nr_swapcached"]

    public func render(_ c: ProcViewContext) throws -> String {
        let k = c.kernel, m = k.frames
        var out = ""
        for (node, ids) in m.nodeZones.enumerated() {
            var nodeUse = Array(repeating: UInt64(0), count: PageUse.allCases.count)
            for zi in ids { for (i, n) in m.useCounts(zone: zi).enumerated() { nodeUse[i] += n } }
            let firstPopulated = ids.first { m.zones[$0].isPopulated }
            for zi in ids {
                let z = m.zones[zi]
                out += "Node \(node), zone \(Pad.right(z.type.name, 8))"
                if zi == firstPopulated {
                    out += "\n  per-node stats"
                    let slabShare = node == 0
                    var values: [String: UInt64] = [
                        "nr_inactive_anon": nodeUse[Int(PageUse.anonymous.rawValue)] + nodeUse[Int(PageUse.anonHuge.rawValue)] + nodeUse[Int(PageUse.shmem.rawValue)],
                        "nr_inactive_file": nodeUse[Int(PageUse.file.rawValue)],
                        "nr_anon_pages": nodeUse[Int(PageUse.anonymous.rawValue)] + nodeUse[Int(PageUse.anonHuge.rawValue)],
                        "nr_file_pages": nodeUse[Int(PageUse.file.rawValue)] + nodeUse[Int(PageUse.shmem.rawValue)],
                        "nr_shmem": nodeUse[Int(PageUse.shmem.rawValue)],
                        "nr_page_table_pages": nodeUse[Int(PageUse.pageTable.rawValue)],
                    ]
                    if slabShare {
                        values["nr_slab_reclaimable"] = k.slab.reclaimablePages
                        values["nr_slab_unreclaimable"] = k.slab.unreclaimablePages
                        values["nr_mapped"] = k.stats.mappedPages
                        values["nr_dirty"] = k.cache.dirtyPages
                    }
                    for name in ZoneinfoView.nodeStats { out += "\n      \(Pad.left(name, 12)) \(values[name] ?? 0)" }
                }
                out += "\n  pages free     \(z.freePages)"
                out += "\n        boost    \(z.boost)"
                out += "\n        min      \(z.mark(0) - z.boost)"
                out += "\n        low      \(z.mark(1) - z.boost)"
                out += "\n        high     \(z.mark(2) - z.boost)"
                out += "\n        spanned  \(z.layout.spanned)"
                out += "\n        present  \(z.layout.present)"
                out += "\n        managed  \(z.layout.managed)"
                out += "\n        cma      0"
                out += "\n        protection: (" + z.lowmemReserve.map(String.init).joined(separator: ", ") + ")"
                guard z.isPopulated else { out += "\n"; continue }
                let u = m.useCounts(zone: zi)
                let zoneStats: [(String, UInt64)] = [
                    ("nr_free_pages", z.freePages),
                    ("nr_zone_inactive_anon", u[Int(PageUse.anonymous.rawValue)] + u[Int(PageUse.anonHuge.rawValue)] + u[Int(PageUse.shmem.rawValue)]),
                    ("nr_zone_active_anon", 0), ("nr_zone_inactive_file", u[Int(PageUse.file.rawValue)]),
                    ("nr_zone_active_file", 0), ("nr_zone_unevictable", 0), ("nr_zone_write_pending", 0),
                    ("nr_mlock", 0), ("nr_bounce", 0), ("nr_zspages", 0), ("nr_free_cma", 0),
                    ("numa_hit", z.pgalloc), ("numa_miss", 0), ("numa_foreign", 0), ("numa_interleave", 0),
                    ("numa_local", z.pgalloc), ("numa_other", 0),
                ]
                for (n, v) in zoneStats { out += "\n      \(Pad.left(n, 12)) \(v)" }
                out += "\n  pagesets"
                for cpu in 0..<max(1, m.configuration.cpus) {
                    out += "\n    cpu: \(cpu)"
                    out += "\n              count: \(cpu == 0 ? z.pcpCount : 0)"
                    out += "\n              high:  \(z.pcpHigh)"
                    out += "\n              batch: \(z.pcpBatch)"
                    out += "\n  vm stats threshold: \(ZoneinfoView.statThreshold(z, cpus: m.configuration.cpus))"
                }
                out += "\n  node_unreclaimable:  0"
                out += "\n  start_pfn:           \(z.layout.startPFN)\n"
            }
        }
        return out
    }

    /// `calculate_normal_threshold`: 2·fls(cpus)·(1 + fls(MiB / 128)), at most 125.
    static func statThreshold(_ z: Zone, cpus: Int) -> Int {
        func fls(_ v: UInt64) -> Int { 64 - v.leadingZeroBitCount }
        let mem = z.managed >> (27 - 12)
        return min(125, 2 * fls(UInt64(max(1, cpus))) * (1 + fls(mem)))
    }
}
