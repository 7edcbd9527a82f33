import MemTrace

extension PhysicalConfiguration {
    /// One node's zones cut into `count` nodes of (nearly) equal present pages by address, as a
    /// NUMA VM's firmware describes its memory (`-numa node,memdev=…` of equal sizes): node k
    /// holds the pfns from the k-th cut to the next, cuts on pageblock boundaries so no pageblock
    /// straddles two nodes; each zone piece keeps its zone type, and a zone's pages reserved at
    /// boot stay at its start (in the first piece). Zone types a node does not reach are empty.
    static func splitEvenly(_ single: NodeLayout, into count: Int) -> [NodeLayout] {
        let zones = single.zones
        let total = zones.reduce(0) { $0 + $1.present }
        // The pfn where the running count of present pages reaches `target`.
        func pfn(atPresent target: UInt64) -> UInt64 {
            var seen: UInt64 = 0
            for z in zones where z.present > 0 {
                if target < seen + z.present { return z.startPFN + (target - seen) }
                seen += z.present
            }
            return zones.map(\.endPFN).max() ?? 0
        }
        var cuts: [UInt64] = [0]
        for k in 1..<count { cuts.append(pfn(atPresent: total * UInt64(k) / UInt64(count)) & ~(PhysicalMemory.pageblockPages - 1)) }
        cuts.append(UInt64.max)
        return (0..<count).map { k in
            NodeLayout(zones: zones.map { z in
                let presentEnd = z.startPFN + z.present
                let start = max(z.startPFN, cuts[k]), end = min(presentEnd, cuts[k + 1])
                guard z.present > 0, start < end else { return ZoneLayout(type: z.type, startPFN: 0, spanned: 0, present: 0, managed: 0) }
                let reservedEnd = z.startPFN + (z.present - z.managed)
                let reserved = reservedEnd > start ? min(reservedEnd, end) - start : 0
                // The piece holding the zone's end keeps the zone's span beyond its present pages.
                let spanEnd = end == presentEnd ? z.endPFN : end
                return ZoneLayout(type: z.type, startPFN: start, spanned: spanEnd - start, present: end - start, managed: end - start - reserved)
            })
        }
    }
}
