/// /proc/vmstat (`vmstat_show`, mm/vmstat.c, 6.1): the zone and node page counters summed over the
/// machine, then the event counters (`enum vm_event_item`), each in `vmstat_text` order; only
/// the counters the model keeps are listed.
extension KernelCounter {
    /// A vmstat line of a page counter summed over the machine (`global_zone_page_state`,
    /// `global_node_page_state`), in pages or, for the THP counters, huge pages.
    public static func vmstatLine(_ item: PageStateCounter) -> KernelCounter {
        KernelCounter("vmstat." + item.name, item.printsHugePages ? .count : .pages, item.doc) {
            Int64(item.printed(PageScope(machine: $0)))
        }
    }

    /// A vmstat event counter (`count_vm_event`).
    static func event(_ name: String, _ doc: String, _ value: @escaping @Sendable (LinuxKernel) -> UInt64) -> KernelCounter {
        KernelCounter("vmstat." + name, .events, doc) { Int64(value($0)) }
    }

    public static let pgpgin = event("pgpgin", "KiB read from storage into the page cache (`submit_bio`).") { $0.stats.pgpgin }
    public static let pgpgout = event("pgpgout", "KiB written back from the page cache.") { $0.stats.pgpgout }
    /// pgalloc_<zone> for every zone type (`__count_zid_vm_events(PGALLOC, …)`), summed over nodes.
    public static let pgalloc: [KernelCounter] = ZoneType.all.map { t in
        event("pgalloc_" + t.vmstatName, "Pages allocated from \(t.name) zones.") { k in
            var n: UInt64 = 0
            for zi in k.frames.zoneInfo.indices where k.frames.zoneInfo[zi].type == t { n += k.frames.pgalloc(zone: zi) }
            return n
        }
    }
    public static let pgfree = event("pgfree", "Pages freed (`free_unref_page`).") { $0.stats.pgfree }
    public static let pgfault = event("pgfault", "Page faults handled (`handle_mm_fault`).") { $0.stats.pgfault }
    public static let pgmajfault = event("pgmajfault", "Faults that read from storage (VM_FAULT_MAJOR).") { $0.stats.pgmajfault }
    public static let pgreuse = event("pgreuse", "Write faults on a private page that reused it (`wp_page_reuse`).") { $0.stats.pgreuse }
    public static let pgmigrateSuccess = event("pgmigrate_success", "Pages compaction moved.") { $0.frames.stats.pgmigrateSuccess }
    public static let compactMigrateScanned = event("compact_migrate_scanned", "Pages the migration scanner looked at.") {
        $0.frames.stats.compactMigrateScanned
    }
    public static let compactFreeScanned = event("compact_free_scanned", "Pages the free scanner looked at.") {
        $0.frames.stats.compactFreeScanned
    }
    public static let compactIsolated = event("compact_isolated", "Pages isolated by either scanner.") { $0.frames.stats.compactIsolated }
    public static let compactStall = event("compact_stall", "Direct compactions (`__alloc_pages_direct_compact`).") {
        $0.frames.stats.compactStall
    }
    public static let compactFail = event("compact_fail", "Direct compactions after which the allocation still failed.") {
        $0.frames.stats.compactFail
    }
    public static let compactSuccess = event("compact_success", "Direct compactions after which the allocation succeeded.") {
        $0.frames.stats.compactSuccess
    }
    public static let compactDaemonWake = event("compact_daemon_wake", "kcompactd wake-ups.") { $0.frames.stats.compactDaemonWake }
    public static let oomKill = event("oom_kill", "Processes killed for memory (`oom_kill_process`).") { $0.stats.oomKill }
    public static let thpFaultAlloc = event("thp_fault_alloc", "THP faults that got an order-9 page.") { $0.stats.thpFaultAlloc }
    public static let thpFaultFallback = event("thp_fault_fallback", "THP faults that fell back to 4 KiB pages.") {
        $0.stats.thpFaultFallback
    }
    public static let thpSplitPmd = event("thp_split_pmd", "PMD mappings split into PTEs (`__split_huge_pmd`).") { $0.stats.thpSplitPmd }

    /// The /proc/vmstat lines the model keeps, in `vmstat_text` order.
    public static let vmstat: [KernelCounter] = {
        let nodeItems: [PageStateCounter] = [
            .inactiveAnon, .activeAnon, .inactiveFile, .activeFile, .unevictable, .slabReclaimable, .slabUnreclaimable,
            .anonPages, .mapped, .filePages, .dirty, .writeback, .shmem, .anonHugePages, .dirtied, .written, .pageTables,
        ]
        var lines: [KernelCounter] = PageStateCounter.zoneItems.map(vmstatLine)
        lines += nodeItems.map(vmstatLine)
        lines += [pgpgin, pgpgout]
        lines += [pswpin, pswpout]
        lines += pgalloc
        lines += [pgfree, pgfault, pgmajfault, pgreuse, pgmigrateSuccess]
        lines.append(event("pgmigrate_fail", "Pages compaction failed to move.") { $0.frames.stats.pgmigrateFail })
        lines += [compactMigrateScanned, compactFreeScanned, compactIsolated, compactStall, compactFail, compactSuccess,
                  compactDaemonWake]
        lines.append(event("compact_daemon_migrate_scanned", "Pages kcompactd's migration scanner looked at.") {
            $0.frames.stats.compactDaemonMigrateScanned
        })
        lines.append(event("compact_daemon_free_scanned", "Pages kcompactd's free scanner looked at.") {
            $0.frames.stats.compactDaemonFreeScanned
        })
        lines += reclaimEvents
        lines.append(oomKill)
        lines += unevictableEvents
        lines += [thpFaultAlloc, thpFaultFallback]
        lines.append(event("thp_split_page", "THPs split into small pages (`split_huge_page`).") { $0.stats.thpSplitPage })
        lines.append(thpSplitPmd)
        lines.append(event("thp_zero_page_alloc", "Huge zero page allocations (`mm_get_huge_zero_page`).") { $0.stats.thpZeroPageAlloc })
        lines.append(event("thp_swpout", "THPs written to swap whole (needs swap clusters: an SSD).") { $0.swap.stats.thpSwpout })
        lines.append(event("thp_swpout_fallback", "THPs split before swap-out (`add_to_swap` found no cluster).") { $0.swap.stats.thpSwpoutFallback })
        lines.append(event("swap_ra", "Pages swap-in readahead read besides the faulting one.") { $0.swap.stats.swapRA })
        lines.append(event("swap_ra_hit", "Read-ahead swap pages a fault then found in the swap cache.") { $0.swap.stats.swapRAHit })
        return lines
    }()

    /// The unevictable LRU's events in `vmstat_text` order (mm/mlock.c).
    static let unevictableEvents: [KernelCounter] = [
        event("unevictable_pgs_culled", "Pages moved to the unevictable list (`__mlock_folio`, `__mlock_new_folio`).") { $0.reclaim.stats.unevictableCulled },
        event("unevictable_pgs_scanned", "Unevictable pages reclaim looked at.") { $0.reclaim.stats.unevictableScanned },
        event("unevictable_pgs_rescued", "Pages moved from the unevictable list back to an evictable one (`__munlock_folio`).") { $0.reclaim.stats.unevictableRescued },
        event("unevictable_pgs_mlocked", "Pages PG_mlocked was set on (`mlock_folio`, `mlock_new_folio`).") { $0.reclaim.stats.unevictableMlocked },
        event("unevictable_pgs_munlocked", "Pages PG_mlocked was cleared on (`__munlock_folio`).") { $0.reclaim.stats.unevictableMunlocked },
        event("unevictable_pgs_cleared", "Pages freed while still mlocked (`__folio_clear_mlocked`).") { $0.reclaim.stats.unevictableCleared },
        event("unevictable_pgs_stranded", "Pages munlocked but left unevictable.") { $0.reclaim.stats.unevictableStranded },
    ]

    /// Reclaim's events in `vmstat_text` order (mm/vmstat.c), from `ReclaimState.stats`.
    static let reclaimEvents: [KernelCounter] = {
        func r(_ name: String, _ doc: String, _ v: @escaping @Sendable (ReclaimStatistics) -> UInt64) -> KernelCounter {
            event(name, doc) { v($0.reclaim.stats) }
        }
        var lines: [KernelCounter] = []
        for t in ZoneType.all where t != .device {
            lines.append(event("allocstall_" + t.vmstatName, "Direct reclaim entries by allocations whose highest zone is \(t.name) (`__perform_reclaim`).") {
                $0.reclaim.stats.allocstall[Int(t.rawValue)]
            })
        }
        lines += [
            r("pgactivate", "Pages moved to an active list (`folio_activate`, reclaim's `activate_locked`).") { $0.pgactivate },
            r("pgdeactivate", "Pages moved from an active to an inactive list (`shrink_active_list`).") { $0.pgdeactivate },
            r("pgrefill", "Active-list pages scanned (`shrink_active_list`).") { $0.pgrefill },
            pgstealKswapd, pgstealDirect, pgscanKswapd, pgscanDirect,
            r("pgscan_anon", "Inactive anon pages scanned.") { $0.pgscanAnon },
            r("pgscan_file", "Inactive file pages scanned.") { $0.pgscanFile },
            r("pgsteal_anon", "Anon pages reclaimed.") { $0.pgstealAnon },
            r("pgsteal_file", "File pages reclaimed.") { $0.pgstealFile },
            r("pageoutrun", "kswapd runs (`balance_pgdat`).") { $0.pageoutrun },
            r("pgrotated", "Pages written back by reclaim and rotated to the inactive tail (`folio_rotate_reclaimable`).") { $0.pgrotated },
            r("drop_pagecache", "vm.drop_caches writes of 1 or 3.") { $0.dropPagecache },
            workingsetRefaultAnon, workingsetRefaultFile,
            r("workingset_activate_anon", "Refaulted anon pages activated.") { $0.workingsetActivateAnon },
            r("workingset_activate_file", "Refaulted file pages activated (refault distance within the workingset).") { $0.workingsetActivateFile },
            r("workingset_restore_anon", "Refaulted anon pages that were in the workingset when evicted.") { $0.workingsetRestoreAnon },
            r("workingset_restore_file", "Refaulted file pages that were in the workingset when evicted.") { $0.workingsetRestoreFile },
            r("nr_vmscan_write", "Pages reclaim wrote out (`pageout`): dirty file pages by kswapd, anon pages to swap.") { $0.vmscanWrite },
            r("nr_vmscan_immediate_reclaim", "Dirty file pages reclaim marked PG_reclaim and activated.") { $0.vmscanImmediate },
        ]
        return lines
    }()
}
