/// /proc/meminfo (`meminfo_proc_show`, fs/proc/meminfo.c, 6.1): each field in kB from the page
/// counters (`PageStateCounter`) summed over the machine, as the kernel builds it from
/// `global_node_page_state` and `global_zone_page_state` (HugePages_* are counts).
extension KernelCounter {
    /// A meminfo field: `K(pages)` of a page-counter rule over the whole machine.
    static func meminfoField(_ label: String, _ doc: String, pages: @escaping @Sendable (PageScope) -> UInt64) -> KernelCounter {
        KernelCounter("meminfo." + label, .kB, doc) { kB(pages(PageScope(machine: $0))) }
    }

    /// A meminfo field that is a page counter.
    static func meminfoField(_ label: String, _ item: PageStateCounter) -> KernelCounter {
        meminfoField(label, "`\(item.name)` in kB. " + item.doc, pages: item.pages)
    }

    /// A meminfo field the kernel prints as a constant on a machine without the feature.
    static func fixed(_ label: String, _ value: Int64, _ doc: String, unit: Unit = .kB) -> KernelCounter {
        KernelCounter("meminfo." + label, unit, doc) { _ in value }
    }

    public static let memTotal = KernelCounter("meminfo.MemTotal", .kB,
        "`totalram_pages` (`si_meminfo`): managed pages, present pages less those reserved at boot.") { kB($0.frames.totalPages) }
    public static let memFree = meminfoField("MemFree", .freePages)
    public static let memAvailable = KernelCounter("meminfo.MemAvailable", .kB,
        "`si_mem_available`: free pages above the reserves plus the reclaimable part of the file LRU and of reclaimable slab.") {
        kB($0.memAvailablePages)
    }
    public static let buffers = fixed("Buffers", 0, "`nr_blockdev_pages`: no block-device page cache is modelled.")
    public static let cached = meminfoField("Cached",
        "NR_FILE_PAGES − swap cache − buffers (`meminfo_proc_show`): the page cache, shmem included.") {
        $0.pages(.file) + $0.pages(.shmem)
    }
    public static let dirty = meminfoField("Dirty", .dirty)
    public static let anonPages = meminfoField("AnonPages", .anonPages)
    public static let mapped = meminfoField("Mapped", .mapped)
    public static let shmem = meminfoField("Shmem", .shmem)
    public static let sReclaimable = meminfoField("SReclaimable", .slabReclaimable)
    public static let sUnreclaim = meminfoField("SUnreclaim", .slabUnreclaimable)
    public static let slab = meminfoField("Slab", "NR_SLAB_RECLAIMABLE_B + NR_SLAB_UNRECLAIMABLE_B in kB.") {
        $0.slabReclaimable + $0.slabUnreclaimable
    }
    public static let pageTables = meminfoField("PageTables", .pageTables)
    public static let committedAS = KernelCounter("meminfo.Committed_AS", .kB,
        "`vm_committed_as`: VM_ACCOUNT mappings, shmem objects' sizes and tmpfs pages (`CommitAccounting`).") { kB($0.committedPages) }
    public static let commitLimit = KernelCounter("meminfo.CommitLimit", .kB,
        "`vm_commit_limit`: vm.overcommit_kbytes, or totalram × vm.overcommit_ratio / 100 (no hugetlb), plus swap.") {
        kB($0.commitLimitPages)
    }
    public static let anonHugePages = meminfoField("AnonHugePages", .anonHugePages)

    /// Every /proc/meminfo field, in `meminfo_proc_show` order (Zswap with CONFIG_ZSWAP, as
    /// Debian 12 builds it; no DirectMap lines).
    public static let meminfo: [KernelCounter] = [
        memTotal, memFree, memAvailable,
        buffers,
        cached,
        swapCached,
        meminfoField("Active", "LRU_ACTIVE_ANON + LRU_ACTIVE_FILE.") { PageStateCounter.activeAnon.pages($0) + PageStateCounter.activeFile.pages($0) },
        meminfoField("Inactive", "LRU_INACTIVE_ANON + LRU_INACTIVE_FILE.") {
            PageStateCounter.inactiveAnon.pages($0) + PageStateCounter.inactiveFile.pages($0)
        },
        activeAnon, inactiveAnon, activeFile, inactiveFile,
        meminfoField("Unevictable", .unevictable), meminfoField("Mlocked", .mlock),
        swapTotal, swapFree,
        fixed("Zswap", 0, "No zswap pool."), fixed("Zswapped", 0, "No zswap pool."),
        dirty, meminfoField("Writeback", .writeback), anonPages, mapped, shmem,
        meminfoField("KReclaimable", "SReclaimable + NR_KERNEL_MISC_RECLAIMABLE.") {
            $0.slabReclaimable + PageStateCounter.kernelMiscReclaimable.pages($0)
        },
        slab, sReclaimable, sUnreclaim,
        meminfoField("KernelStack", .kernelStack), pageTables,
        fixed("NFS_Unstable", 0, "Always 0 since 5.8."),
        meminfoField("Bounce", .bounce), meminfoField("WritebackTmp", .writebackTemp),
        commitLimit, committedAS,
        fixed("VmallocTotal", 34_359_738_367, "VMALLOC_TOTAL >> 10 on x86_64 with 4-level paging."),
        fixed("VmallocUsed", 0, "vmalloc is not modelled."), fixed("VmallocChunk", 0, "Always 0 since 4.0."),
        fixed("Percpu", 0, "Per-CPU allocations are not modelled."),
        fixed("HardwareCorrupted", 0, "No poisoned pages."),
        anonHugePages,
        meminfoField("ShmemHugePages", .shmemHugePages), meminfoField("ShmemPmdMapped", .shmemPmdMapped),
        meminfoField("FileHugePages", .fileHugePages), meminfoField("FilePmdMapped", .filePmdMapped),
        fixed("HugePages_Total", 0, "hugetlbfs pool (`hugetlb_report_meminfo`): none.", unit: .count),
        fixed("HugePages_Free", 0, "hugetlbfs pool: none.", unit: .count),
        fixed("HugePages_Rsvd", 0, "hugetlbfs pool: none.", unit: .count),
        fixed("HugePages_Surp", 0, "hugetlbfs pool: none.", unit: .count),
        fixed("Hugepagesize", 2048, "The default huge page size (HPAGE_PMD_SIZE)."),
        fixed("Hugetlb", 0, "Memory in hugetlbfs pools: none."),
    ]
}
