extension MachineConfiguration {
    /// The zones as they stand once every deferred page is initialised: each zone's managed pages
    /// raised toward its present pages, highest zone first, until they add up to `totalPages`
    /// (MemTotal, `totalram_pages`).
    ///
    /// With deferred struct-page initialisation done on demand (`deferred_init=lazy` on these
    /// Firecracker hosts; `deferred_grow_zone` in mm/mm_init.c), /proc/zoneinfo's `managed` counts
    /// only the pages initialised so far — here 1,638,400 of Normal's 5,505,024 present at boot —
    /// while MemTotal already counts them all, and the kernel grows the zone (recomputing its
    /// watermarks) as allocations need it: 16 GiB written on a fresh 24 GiB host succeed. A replay
    /// on `--machine host` gets the memory the programs can use; when zoneinfo's managed pages
    /// already add up to MemTotal nothing changes.
    public static func grownZones(_ nodes: [NodeLayout], totalPages: UInt64) -> [NodeLayout] {
        var nodes = nodes
        var managed: UInt64 = 0
        for n in nodes { for z in n.zones { managed += z.managed } }
        guard managed < totalPages else { return nodes }
        var gap = totalPages - managed
        for ni in nodes.indices.reversed() {
            for zi in nodes[ni].zones.indices.reversed() where gap > 0 {
                let z = nodes[ni].zones[zi]
                let add = min(gap, z.present > z.managed ? z.present - z.managed : 0)
                nodes[ni].zones[zi].managed += add
                gap -= add
            }
        }
        return nodes
    }
}
