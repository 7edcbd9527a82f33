import MemModel

/// /proc/zoneinfo (`zoneinfo_show_print`, mm/vmstat.c, 6.1): per-node stats before the node's
/// first populated zone, then each zone's free pages, boost, watermarks, spanned / present /
/// managed, protection (lowmem_reserve), zone counters, NUMA counters, per-CPU pagesets,
/// node_unreclaimable and start_pfn. The node and zone counters are `PageStateCounter`s over the
/// node or zone (`PageScope`), the same rules /proc/vmstat and /proc/meminfo sum over the machine.
public struct ZoneinfoView: ProcView {
    public init() {}
    public var name: String { "zoneinfo" }
    public var summary: String { "zones: watermarks, sizes, protection, counters, pagesets" }

    public func render(_ c: ProcViewContext) throws -> String {
        let k = c.kernel, m = k.frames, zones = m.zones
        var out = ""
        for (node, ids) in m.nodeZones.enumerated() {
            let firstPopulated = ids.first { zones[$0].isPopulated }
            for zi in ids {
                let z = zones[zi]
                out += "Node \(node), zone \(Pad.right(z.type.name, 8))"
                if zi == firstPopulated {
                    out += "\n  per-node stats"
                    let scope = PageScope(node: node, of: k)
                    for item in PageStateCounter.nodeItems { out += "\n      \(Pad.left(item.name, 12)) \(item.printed(scope))" }
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
                let scope = PageScope(zone: zi, of: k)
                var zoneStats = PageStateCounter.zoneItems.map { ($0.name, $0.printed(scope)) }
                zoneStats += [("numa_hit", z.pgalloc), ("numa_miss", 0), ("numa_foreign", 0), ("numa_interleave", 0),
                              ("numa_local", z.pgalloc), ("numa_other", 0)]
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
