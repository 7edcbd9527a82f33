/// The counters of memory pressure recorded in every snapshot (`CounterRegistry.machineWide`):
/// swap space and traffic, reclaim's scanning and stealing, refaults and the LRU lists, so
/// reclaim, swap and thrashing can be followed over time in SQL. /proc/meminfo and /proc/vmstat
/// print the same counters (their lists use these definitions).
extension KernelCounter {
    public static let swapTotal = KernelCounter("meminfo.SwapTotal", .kB, "`total_swap_pages`: usable slots of every swap area.") {
        kB($0.swap.totalPages)
    }
    public static let swapFree = KernelCounter("meminfo.SwapFree", .kB, "`get_nr_swap_pages`: free swap slots.") { kB($0.swap.freePages) }
    public static let swapCached = meminfoField("SwapCached", .swapCached)
    public static let pswpin = event("pswpin", "Pages read from swap (`swap_readpage`).") { $0.swap.stats.pswpin }
    public static let pswpout = event("pswpout", "Pages written to swap (`swap_writepage`).") { $0.swap.stats.pswpout }
    public static let pgscanKswapd = event("pgscan_kswapd", "Inactive-list pages kswapd scanned.") { $0.reclaim.stats.pgscanKswapd }
    public static let pgscanDirect = event("pgscan_direct", "Inactive-list pages direct reclaim scanned.") { $0.reclaim.stats.pgscanDirect }
    public static let pgstealKswapd = event("pgsteal_kswapd", "Pages kswapd reclaimed.") { $0.reclaim.stats.pgstealKswapd }
    public static let pgstealDirect = event("pgsteal_direct", "Pages direct reclaim reclaimed.") { $0.reclaim.stats.pgstealDirect }
    public static let workingsetRefaultAnon = event("workingset_refault_anon",
        "Anon pages read back from swap with a shadow entry (`workingset_refault`).") { $0.reclaim.stats.workingsetRefaultAnon }
    public static let workingsetRefaultFile = event("workingset_refault_file",
        "File pages read back with a shadow entry (`workingset_refault`).") { $0.reclaim.stats.workingsetRefaultFile }
    public static let activeAnon = meminfoField("Active(anon)", .activeAnon)
    public static let inactiveAnon = meminfoField("Inactive(anon)", .inactiveAnon)
    public static let activeFile = meminfoField("Active(file)", .activeFile)
    public static let inactiveFile = meminfoField("Inactive(file)", .inactiveFile)

    /// /proc/pressure/memory and /proc/pressure/io totals (µs, as `total=` prints them) and the
    /// memory avg10 (hundredths of a percent).
    public static let psiMemorySome = KernelCounter("psi.memory.some_total_us", .events, "Memory SOME stall time, µs (`psi_show` total).") {
        Int64($0.pressure.memorySome.total / 1000)
    }
    public static let psiMemoryFull = KernelCounter("psi.memory.full_total_us", .events, "Memory FULL stall time, µs.") {
        Int64($0.pressure.memoryFull.total / 1000)
    }
    public static let psiIOSome = KernelCounter("psi.io.some_total_us", .events, "I/O SOME stall time (dirty throttling), µs.") {
        Int64($0.pressure.ioSome.total / 1000)
    }
    public static let psiMemorySomeAvg10 = KernelCounter("psi.memory.some_avg10", .scale,
        "Memory SOME avg10 in hundredths of a percent (`psi_show`'s avg10 × 100).") {
        Int64(($0.pressure.memorySome.averages[0] * 100) >> 11)
    }

    /// The pressure counters in stored order (appended to the registry's machine-wide list).
    public static let pressure: [KernelCounter] = [
        swapTotal, swapFree, swapCached, pswpin, pswpout, pgscanKswapd, pgscanDirect, pgstealKswapd, pgstealDirect,
        workingsetRefaultAnon, workingsetRefaultFile, activeAnon, inactiveAnon, activeFile, inactiveFile,
        psiMemorySome, psiMemoryFull, psiIOSome, psiMemorySomeAvg10,
    ]
}
