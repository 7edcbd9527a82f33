import MemTrace

/// One of the kernel's per-zone or per-node page counters (`enum zone_stat_item`, `enum
/// node_stat_item`, include/linux/mmzone.h, 6.1), named once with the rule that computes it from a
/// `PageScope`.
///
/// /proc/vmstat prints them summed over the machine (`vmstat_start`), /proc/zoneinfo per zone
/// and per node (`zoneinfo_show_print`), and /proc/meminfo builds its fields from them
/// (`meminfo_proc_show`), so each is computed here only. Counters of what the model does not
/// track (bounce buffers, zspages, CMA, …) are 0, as on a machine that never used them.
public struct PageStateCounter: Sendable {
    /// Where the kernel keeps the counter.
    public enum Level: Sendable { case zone, node }

    /// The name /proc/vmstat and /proc/zoneinfo print (`vmstat_text`).
    public let name: String
    public let level: Level
    /// True for the counters kept in pages but printed in transparent huge pages
    /// (`vmstat_item_print_in_thp`: NR_ANON_THPS, NR_SHMEM_THPS, …).
    public let printsHugePages: Bool
    /// What the counter holds, and the kernel's or the model's rule for it.
    public let doc: String
    let compute: @Sendable (PageScope) -> UInt64

    init(_ name: String, _ level: Level, thp: Bool = false, _ doc: String, _ compute: @escaping @Sendable (PageScope) -> UInt64) {
        self.name = name; self.level = level; self.printsHugePages = thp; self.doc = doc; self.compute = compute
    }

    /// A counter the model does not track yet: 0 everywhere.
    static func untracked(_ name: String, _ level: Level, thp: Bool = false) -> PageStateCounter {
        PageStateCounter(name, level, thp: thp, "Not modelled yet: 0.") { _ in 0 }
    }

    /// The counter's value in pages over `scope`.
    public func pages(_ scope: PageScope) -> UInt64 { compute(scope) }

    /// The value /proc/vmstat and /proc/zoneinfo print: pages, or huge pages for the THP
    /// counters (`pages / HPAGE_PMD_NR`).
    public func printed(_ scope: PageScope) -> UInt64 {
        let v = compute(scope)
        return printsHugePages ? v / HugePage.pages : v
    }
}
