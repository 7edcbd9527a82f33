/// Event counters of the kernel model, named after /proc/vmstat where the kernel has the counter.
public struct KernelStatistics: Hashable, Sendable {
    public var pgfault: UInt64 = 0
    public var pgmajfault: UInt64 = 0
    /// Pages allocated (the kernel splits this per zone as pgalloc_<zone>).
    public var pgalloc: UInt64 = 0
    public var pgfree: UInt64 = 0
    /// Copy-on-write faults that reused the page (`pgreuse`).
    public var pgreuse: UInt64 = 0
    /// Copy-on-write faults that copied the page (no vmstat counter of its own).
    public var cowCopies: UInt64 = 0
    /// KiB read from storage (`pgpgin`) and written back (`pgpgout`).
    public var pgpgin: UInt64 = 0
    public var pgpgout: UInt64 = 0
    public var oomKill: UInt64 = 0
    public var segv: UInt64 = 0
    public var sigbus: UInt64 = 0
    /// Fault-derived touches the model could not take as a fault (`FaultKind.touchIgnored`).
    public var touchesIgnored: UInt64 = 0
    /// Pages of PROT_NONE anonymous reserves made accessible because a touch showed the program
    /// had done so (`unprotectReserve`).
    public var reservesUnprotected: UInt64 = 0
    /// File or shmem pages mapped by at least one PTE (NR_FILE_MAPPED).
    public var mappedPages: UInt64 = 0
    /// THP faults that got an order-9 page (`thp_fault_alloc`) and those that fell back to 4 KiB
    /// pages because none could be had (`thp_fault_fallback`).
    public var thpFaultAlloc: UInt64 = 0
    public var thpFaultFallback: UInt64 = 0
    /// PMD mappings split into PTEs (`thp_split_pmd`) and THPs split into small pages (`thp_split_page`).
    public var thpSplitPmd: UInt64 = 0
    public var thpSplitPage: UInt64 = 0
    /// Huge zero page allocations (`thp_zero_page_alloc`).
    public var thpZeroPageAlloc: UInt64 = 0
    /// kswapd wake-ups taken from the physical layer, merged per node and event (`wakeup_kswapd`
    /// calls that asked the same node's kswapd during one event count once).
    public var kswapdRequests: UInt64 = 0
    public init() {}
}
