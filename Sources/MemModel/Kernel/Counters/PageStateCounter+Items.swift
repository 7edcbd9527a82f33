/// The zone and node page counters of Linux 6.1, in `vmstat_text` order, with the model's rule for
/// each. The LRU counters are the LRU lists' sizes (`PhysicalMemory+LRU`): new pages start on the
/// inactive lists (`folio_add_lru`), reclaim and refaults move them; shmem pages are swap-backed and
/// sit on the anon lists (`folio_is_file_lru` is false for them).
extension PageStateCounter {
    // MARK: enum zone_stat_item

    public static let freePages = PageStateCounter("nr_free_pages", .zone,
        "NR_FREE_PAGES: pages on the buddy free lists (not the per-CPU lists).") { $0.freePages }
    public static let zoneInactiveAnon = PageStateCounter("nr_zone_inactive_anon", .zone,
        "NR_ZONE_INACTIVE_ANON: the inactive anon list (anonymous, THP and shmem pages).") { $0.lru[0] }
    public static let zoneActiveAnon = PageStateCounter("nr_zone_active_anon", .zone,
        "NR_ZONE_ACTIVE_ANON: the active anon list.") { $0.lru[1] }
    public static let zoneInactiveFile = PageStateCounter("nr_zone_inactive_file", .zone,
        "NR_ZONE_INACTIVE_FILE: the inactive file list (page-cache pages of regular files).") { $0.lru[2] }
    public static let zoneActiveFile = PageStateCounter("nr_zone_active_file", .zone,
        "NR_ZONE_ACTIVE_FILE: the active file list.") { $0.lru[3] }
    public static let zoneUnevictable = PageStateCounter("nr_zone_unevictable", .zone,
        "NR_ZONE_UNEVICTABLE: the unevictable list.") { $0.lru[4] }
    public static let zoneWritePending = untracked("nr_zone_write_pending", .zone)
    public static let mlock = PageStateCounter("nr_mlock", .zone,
        "NR_MLOCK: mlocked pages (`mlock_folio`); in the model the unevictable list holds exactly these.") { $0.lru[4] }
    public static let bounce = untracked("nr_bounce", .zone)
    public static let zspages = untracked("nr_zspages", .zone)
    public static let freeCMA = untracked("nr_free_cma", .zone)

    /// Every zone counter, in `enum zone_stat_item` order.
    public static let zoneItems: [PageStateCounter] = [
        freePages, zoneInactiveAnon, zoneActiveAnon, zoneInactiveFile, zoneActiveFile, zoneUnevictable,
        zoneWritePending, mlock, bounce, zspages, freeCMA,
    ]

    // MARK: enum node_stat_item

    public static let inactiveAnon = PageStateCounter("nr_inactive_anon", .node,
        "NR_INACTIVE_ANON: the inactive anon list (anonymous, THP and shmem pages).") { $0.lru[0] }
    public static let activeAnon = PageStateCounter("nr_active_anon", .node,
        "NR_ACTIVE_ANON: the active anon list.") { $0.lru[1] }
    public static let inactiveFile = PageStateCounter("nr_inactive_file", .node,
        "NR_INACTIVE_FILE: the inactive file list (page-cache pages of regular files).") { $0.lru[2] }
    public static let activeFile = PageStateCounter("nr_active_file", .node,
        "NR_ACTIVE_FILE: the active file list.") { $0.lru[3] }
    public static let unevictable = PageStateCounter("nr_unevictable", .node,
        "NR_UNEVICTABLE: the unevictable list.") { $0.lru[4] }
    public static let slabReclaimable = PageStateCounter("nr_slab_reclaimable", .node,
        "NR_SLAB_RECLAIMABLE_B in pages: slabs of SLAB_RECLAIM_ACCOUNT caches (dentry, inode).") { $0.slabReclaimable }
    public static let slabUnreclaimable = PageStateCounter("nr_slab_unreclaimable", .node,
        "NR_SLAB_UNRECLAIMABLE_B in pages: every other slab.") { $0.slabUnreclaimable }
    public static let anonPages = PageStateCounter("nr_anon_pages", .node,
        "NR_ANON_MAPPED: anonymous pages, THPs counted in base pages; swap-cache pages only while mapped.") {
        $0.pages(.anonymous) + $0.pages(.anonHuge) - $0.swapCacheUnmapped
    }
    public static let mapped = PageStateCounter("nr_mapped", .node,
        "NR_FILE_MAPPED: file and shmem pages mapped by at least one PTE (`page_add_file_rmap`).") { $0.mapped }
    public static let filePages = PageStateCounter("nr_file_pages", .node,
        "NR_FILE_PAGES: the page cache, shmem and the swap cache included.") { $0.pages(.file) + $0.pages(.shmem) + $0.swapCached }
    public static let dirty = PageStateCounter("nr_dirty", .node,
        "NR_FILE_DIRTY: page-cache pages written and not yet written back.") { $0.dirty }
    public static let writeback = PageStateCounter("nr_writeback", .node,
        "NR_WRITEBACK: page-cache pages whose write to disk is in flight (PG_writeback).") { $0.writeback }
    public static let dirtied = PageStateCounter("nr_dirtied", .node,
        "NR_DIRTIED: pages that went from clean to dirty since boot (`folio_account_dirtied`).") { $0.dirtied }
    public static let written = PageStateCounter("nr_written", .node,
        "NR_WRITTEN: pages whose writeback completed since boot (`__folio_end_writeback`).") { $0.written }
    public static let writebackTemp = untracked("nr_writeback_temp", .node)
    public static let shmem = PageStateCounter("nr_shmem", .node,
        "NR_SHMEM: shmem and shared anonymous pages.") { $0.pages(.shmem) }
    public static let shmemHugePages = untracked("nr_shmem_hugepages", .node, thp: true)
    public static let shmemPmdMapped = untracked("nr_shmem_pmdmapped", .node, thp: true)
    public static let fileHugePages = untracked("nr_file_hugepages", .node, thp: true)
    public static let filePmdMapped = untracked("nr_file_pmdmapped", .node, thp: true)
    public static let anonHugePages = PageStateCounter("nr_anon_transparent_hugepages", .node, thp: true,
        "NR_ANON_THPS: pages of anonymous THPs mapped by a PMD (printed in THPs).") { $0.pages(.anonHuge) }
    public static let kernelMiscReclaimable = untracked("nr_kernel_misc_reclaimable", .node)
    public static let kernelStack = untracked("nr_kernel_stack", .node)
    public static let pageTables = PageStateCounter("nr_page_table_pages", .node,
        "NR_PAGETABLE: user page-table pages.") { $0.pages(.pageTable) }
    public static let swapCached = PageStateCounter("nr_swapcached", .node, "NR_SWAPCACHE: pages in the swap cache.") { $0.swapCached }

    /// Every node counter, in `enum node_stat_item` order.
    public static let nodeItems: [PageStateCounter] = [
        inactiveAnon, activeAnon, inactiveFile, activeFile, unevictable, slabReclaimable, slabUnreclaimable,
        untracked("nr_isolated_anon", .node), untracked("nr_isolated_file", .node), untracked("workingset_nodes", .node),
        untracked("workingset_refault_anon", .node), untracked("workingset_refault_file", .node),
        untracked("workingset_activate_anon", .node), untracked("workingset_activate_file", .node),
        untracked("workingset_restore_anon", .node), untracked("workingset_restore_file", .node),
        untracked("workingset_nodereclaim", .node), anonPages, mapped, filePages, dirty, writeback, writebackTemp, shmem,
        shmemHugePages, shmemPmdMapped, fileHugePages, filePmdMapped, anonHugePages,
        untracked("nr_vmscan_write", .node), untracked("nr_vmscan_immediate_reclaim", .node), dirtied,
        written, untracked("nr_throttled_written", .node), kernelMiscReclaimable,
        untracked("nr_foll_pin_acquired", .node), untracked("nr_foll_pin_released", .node), kernelStack, pageTables, swapCached,
    ]
}
