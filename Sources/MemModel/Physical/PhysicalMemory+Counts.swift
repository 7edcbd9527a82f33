/// Per-zone and per-node counts for the /proc views and the counter time series.
extension PhysicalMemory {
    /// Frames of each `PageUse` inside zone `z` (a scan of the zone's present pages).
    public func useCounts(zone z: Int) -> [UInt64] {
        var counts = Array(repeating: UInt64(0), count: PageUse.allCases.count)
        let l = zoneInfo[z].layout
        guard l.present > 0 else { return counts }
        for p in Int(l.startPFN)..<Int(l.startPFN + l.present) { counts[Int(use[p].rawValue)] += 1 }
        return counts
    }

    /// NR_FREE_PAGES of zone `z`: pages on its buddy free lists (`zone_page_state(z, NR_FREE_PAGES)`).
    public func zoneFreePages(_ z: Int) -> UInt64 { store.zoneFree[z] }

    /// `free_area[order].nr_free` of zone `z`: free blocks of that order, every migrate type.
    public func nrFree(zone z: Int, order: Int) -> UInt64 { store.nrFree[z * PhysicalMemory.orders + order] }

    /// pgalloc_<zone> of zone `z`: pages allocated from it.
    public func pgalloc(zone z: Int) -> UInt64 { store.pgalloc[z] }

    /// Per-CPU list pages of zone `z` (CPU 0; the other CPUs' lists stay empty in the model).
    public func pcpCount(zone z: Int) -> Int { store.pcpCount[z] }

    /// The watermark level of zone `z`: 0 above high, 1 between low and high, 2 between min and
    /// low, 3 at or below min.
    public func watermarkLevel(zone z: Int) -> Int { Int(zoneInfo[z].level) }
}
