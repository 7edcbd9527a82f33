import MemTrace

/// The first kernel model: processes with VMAs and 4 KiB page tables, first-touch faults
/// (`handle_mm_fault` in mm/memory.c), the page cache with read-around and fault-around, shmem,
/// copy-on-write after fork, and the memory syscalls, over a single pool of page frames.
///
/// Frames come from the physical layer (`PhysicalMemory`: zones, watermarks, the buddy allocator,
/// compaction) and kernel objects from SLUB (`SlabAllocator`). Reclaim, swap and the OOM killer's
/// choice come in later layers; here an allocation that fails fails the fault with VM_FAULT_OOM.
public struct LinuxKernel: KernelModel {
    public let configuration: MachineConfiguration
    /// `configuration.vm`, resolved once (the fault path reads it).
    public let vm: VirtualMemoryConfiguration
    public internal(set) var frames: PhysicalMemory
    /// SLUB caches: task_struct, mm_struct, vm_area_struct, dentry, inode, kmalloc-*.
    public internal(set) var slab: SlabAllocator
    /// The slab objects of the kernel objects the model keeps (by VMA, process, thread, file).
    public internal(set) var kernelObjects = KernelObjects()
    /// Changes already accounted for kernel objects (`settle()`).
    @usableFromInline var accountedChanges = 0
    public internal(set) var cache = PageCache()
    /// The writeback subsystem: dirty throttling, the flusher and the disk's requests on the
    /// virtual clock (`WritebackState`, Kernel/Writeback).
    public internal(set) var writeback: WritebackState
    /// The reclaim subsystem's policy state (costs, non-resident ages, kswapd failures, counters).
    public internal(set) var reclaim: ReclaimState
    /// The swap areas, the swap cache and swap-in readahead's state.
    public internal(set) var swap: SwapSpace
    /// The memory-cgroup tree: cgroups, members, page counters, events (`Kernel/Memcg`).
    public internal(set) var memcg = MemcgTree()
    /// Pages the current task charged above some memory.high during this event
    /// (`current->memcg_nr_pages_over_high`), reclaimed after it (`handleOverHigh`).
    @usableFromInline var memcgPagesOverHigh: UInt64 = 0
    /// Memory policies and cpusets (`Kernel/NUMA`).
    public internal(set) var numa: NumaState
    /// The VMA and address of the fault in hand, while it allocates (`vma_alloc_folio`'s vma and
    /// addr): the memory policy of the VMA and the interleave offset come from them.
    @usableFromInline var faultVMA: VirtualMemoryArea?
    @usableFromInline var faultAddress: UInt64 = 0
    /// The OOM kills so far, as the kernel logged them.
    public internal(set) var oomKills: [OOMKill] = []
    /// The process whose event the kernel is handling (`current`): the OOM killer's invoker.
    @usableFromInline var currentPID: ProcessID?
    /// The processes (the VM subsystem's table: live processes, ended ones, held touches, VMA and
    /// anon_vma numbering), each `ProcessState` owned by this kernel alone (`ensureUniqueState`).
    public internal(set) var tasks = ProcessTable()
    @usableFromInline var changes: [KernelChange] = []
    public internal(set) var stats = KernelStatistics()
    /// Sysctl values set by control events, kept for later layers (the overcommit ones also set
    /// `commit`'s policy).
    public internal(set) var sysctls: [String: Int64] = [:]
    /// Overcommit: Committed_AS as a running count, the policy in force, `__vm_enough_memory`.
    public internal(set) var commit: CommitAccounting
    /// The huge zero page (an order-9 block allocated on the first THP read fault,
    /// `mm_get_huge_zero_page`), mapped read-only by huge entries; nil until needed.
    public internal(set) var hugeZeroFrame: PageFrameNumber?
    /// The kswapd wake-ups taken from the physical layer after the last event that had any, one
    /// per node (`settle()`): what kswapd is asked to balance.
    public internal(set) var lastKswapdWakeups: [KswapdWakeup] = []
    /// Virtual nanoseconds since the start of the trace, set by the engine before each event.
    public var clock: UInt64 = 0
    /// The stall charged while the event in hand is handled (`takeStall()` resets it).
    public internal(set) var stall = MemoryStall()
    /// kswapd's reclaim time since the last `takeStall()` (memory SOME pressure, no task's stall).
    var kswapdStall: UInt64 = 0
    /// /proc/pressure/memory and /proc/pressure/io on the virtual clock.
    public internal(set) var pressure = PressureState()
    /// The reclaim cost model (`configuration.stallCosts`, resolved once).
    let stallCosts: StallCosts

    /// TASK_SIZE for x86_64 with 4-level paging.
    public static let taskSize: UInt64 = (1 << 47) - Page.size
    /// The default mmap_base: below a 128 MiB stack gap (`mmap_base` in arch/x86/mm/mmap.c,
    /// with no randomisation, as replay is deterministic).
    public static let defaultMmapBase: UInt64 = taskSize - (128 << 20)
    /// stack_guard_gap: 256 pages.
    public static let stackGuardGap: UInt64 = Page.bytes(256)
    /// mmap_min_addr default.
    public static let mmapMinAddr: UInt64 = 65536
    /// MAX_RW_COUNT: the most one read or write moves (INT_MAX & PAGE_MASK).
    public static let maxRWCount: UInt64 = 0x7FFF_F000
    /// DEFAULT_MAX_MAP_COUNT.
    public static let maxMapCount = 65530

    public init(configuration: MachineConfiguration) {
        self.configuration = configuration
        self.vm = configuration.vm
        self.stallCosts = configuration.stallCosts ?? StallCosts()
        let physical = configuration.physical ?? PhysicalConfiguration()
        self.frames = PhysicalMemory(configuration: physical, memoryBytes: configuration.memoryBytes,
                                     kernelReservedBytes: configuration.kernelReservedBytes)
        self.slab = SlabAllocator(cpus: physical.cpus)
        self.reclaim = ReclaimState(nodes: frames.nodeZones.count)
        self.numa = NumaState(memoryNodes: NumaState.memoryNodes(of: frames))
        self.swap = SwapSpace(areas: (configuration.swap?.areas ?? []).map { SwapArea(name: $0.name, bytes: $0.bytes, priority: $0.priority) })
        self.commit = CommitAccounting(policy: configuration.vm.overcommit, totalRAMPages: frames.totalPages,
                                       freePagesAtBoot: frames.buddyFreePages, version: physical.kernelVersion)
        self.writeback = WritebackState(policy: configuration.vm.writeback, ratelimitPages: 16)
        setWritebackRatelimit()      // page_writeback_init
        setUpMemcgs(configuration.memcg)
        setUpCpusets(configuration.cpuset)
    }

    /// The live processes, by pid (`tasks.live`).
    public var processes: [ProcessID: ProcessState] { tasks.live }
    /// Processes that ended; their later events are ignored.
    public var deadProcesses: Set<ProcessID> { tasks.ended }
    /// Peak RSS and VM per process, kept after the process ends (for `status.<pid>.*` metrics).
    public var finished: [ProcessID: (hwm: UInt64, peak: UInt64)] { tasks.peaks }

    /// Value semantics for the process objects: called first by every public mutating entry point
    /// (`access`, `memory`, `process`, `file`, `control`, `seed`). When this kernel is a copy (or was
    /// copied) since its last change, its process table clones its `ProcessState` objects, so a
    /// change here never shows in the other copy. The rest of the state is values (`PhysicalMemory`
    /// copies its frame store on write the same way).
    @inline(__always) mutating func ensureUniqueState() { tasks.ensureUnique() }

    /// The prologue of an entry point acting for process `pid`: value semantics first, then `pid`
    /// is `current` for what the event sets off (an OOM kill names it).
    @inline(__always) mutating func enter(_ pid: ProcessID) {
        ensureUniqueState()
        currentPID = pid
        if clock > writeback.now { advanceWriteback(to: clock) }
    }

    public var hasChanges: Bool { !changes.isEmpty }

    /// The event's stall, taken; PSI records it (and kswapd's time) at the event's time.
    public mutating func takeStall() -> MemoryStall {
        let s = stall
        if s.isZero && kswapdStall == 0 {
            pressure.advance(to: clock)
            return s
        }
        pressure.record(s, kswapd: kswapdStall, at: clock, onlyTask: tasks.live.count <= 1)
        stall = MemoryStall()
        kswapdStall = 0
        return s
    }

    public mutating func takeChanges() -> [KernelChange] {
        if accountedChanges < changes.count { settle() }
        defer { changes.removeAll(keepingCapacity: true); accountedChanges = 0 }
        return changes
    }

    /// A fresh anon_vma number (`anon_vma_alloc`).
    @usableFromInline mutating func newAnonVMA() -> UInt32 { tasks.newAnonVMA() }

    /// `anon_vma_prepare`: gives the VMA at `vi` an anon_vma before its first anonymous page;
    /// returns the VMA's anon_vma number.
    @usableFromInline @discardableResult mutating func prepareAnonVMA(_ p: ProcessState, _ vi: Int) -> UInt32 {
        let current = p.space.areas[vi].anonVMA
        if current != 0 { return current }
        let a = newAnonVMA(); p.space.update(vi) { $0.anonVMA = a }
        return a
    }

    /// A fresh VMA number (`vm_area_alloc`).
    @usableFromInline mutating func newVMAID() -> VMAID { tasks.newVMAID() }

    /// The process `pid`, created on first sight when the trace has no spawn event for it; nil
    /// for one that ended or that a failed fork never created.
    @usableFromInline mutating func processFor(_ pid: ProcessID) -> ProcessState? {
        if let p = tasks.find(pid) { return p }
        if tasks.isGone(pid) { return nil }
        return spawn(pid, parent: .none, image: "")
    }

    @discardableResult
    mutating func spawn(_ pid: ProcessID, parent: ProcessID, image: String) -> ProcessState? {
        memcgAttachNew(pid, parent: parent, image: image)
        numaAttachNew(pid, parent: parent, image: image)
        guard let pgd = allocateFrame(.pageTable) else { return nil }
        let p = ProcessState(pid: pid, parent: parent, image: image, pgd: pgd, mmapBase: LinuxKernel.defaultMmapBase)
        tasks.add(p)
        changes.append(.processStarted(pid: pid, parent: parent, image: image))
        return p
    }

    /// Allocates a frame, counting it.
    /// User and page-cache pages join their LRU's inactive list (`folio_add_lru`): file pages the
    /// file list, anonymous and shmem (swap-backed) pages the anon list.
    ///
    /// When the page allocator gives up where direct reclaim would start, the kernel reclaims and
    /// retries, then calls the OOM killer (`allocateReclaiming`).
    @usableFromInline mutating func allocateFrame(_ use: PageUse) -> PageFrameNumber? {
        // The charge comes first (`mem_cgroup_charge`; the model charges before the page is taken).
        let group = memcgToCharge(use)
        if let g = group, !tryChargeMemcg(g, pages: 1, gfp: .highUserMovable) { return nil }
        let place = numa.engaged ? placement(for: use, order: 0) : .anywhere
        var frame = place == .anywhere ? frames.allocate(for: use) : allocatePlaced(use, place)
        if frame == nil && frames.lastFailure?.reason == .needsReclaim {
            // The mask the kernel asks with, as the kill line prints it: `vma_alloc_zeroed_movable_folio`
            // for anonymous pages, the mapping's mask for page-cache and shmem folios (both with
            // __GFP_COMP from the folio allocators), GFP_PGTABLE_USER, GFP_KERNEL for slab.
            let gfp: GFPMask = switch use {
            case .pageTable: .pageTableUser
            case .slab: .kernel
            case .anonymous: GFPMask.highUserMovable.union([.comp, .zero])
            default: GFPMask.highUserMovable.union(.comp)
            }
            frame = allocateReclaiming(order: 0, gfp: gfp, placement: place) { $0.allocate(for: use, node: place.node, nodemask: place.allowed) }
        }
        // Compaction for this allocation moved pages: their PTEs and cache entries follow now,
        // not after the event, so the rest of the event never reads a frame the move freed
        // (`remove_migration_ptes` runs before `migrate_pages` returns).
        if !frames.pendingMigrations.isEmpty { applyMigrations() }
        guard let f = frame else {
            if let g = group { memcg.uncharge(g, pages: 1) }
            return nil
        }
        if let g = group { frames.setMemcg(f, g) }
        stats.pgalloc += 1
        switch use {
        case .file: frames.lruAdd(f, .inactiveFile)
        case .anonymous, .shmem: frames.lruAdd(f, .inactiveAnon)
        default: break
        }
        return f
    }

    @usableFromInline mutating func freeFrame(_ f: PageFrameNumber) {
        memcgUncharge(f, pages: 1)
        frames.release(f)
        stats.pgfree += 1
    }

    /// Maps `frame` at `vpn` in `p`, accounting RSS and the frame's mapcount. False when a page-table
    /// page could not be allocated. The entry is young (x86's protections carry _PAGE_ACCESSED)
    /// unless `young` is false, as fork's copies are (`pte_mkold` in `copy_present_pte`).
    @usableFromInline mutating func install(_ p: ProcessState, _ vpn: UInt64, _ frame: PageFrameNumber, _ flags: PTEFlags,
                                            young: Bool = true) -> Bool {
        var bits = flags.union([.present, .user])
        if young { bits.insert(.accessed) } else { bits.remove(.accessed) }
        var fresh: [PageFrameNumber] = []
        let needed = p.table.tablePagesNeeded(vpn)
        if needed > 0 {
            guard let pages = allocateTablePages(p, needed, protecting: frame) else { return false }
            fresh = pages
        }
        let ok = p.table.map(vpn, PageTableEntry(frame: frame, flags: bits)) { fresh.popLast() }
        guard ok else { return false }
        if frame != frames.zeroPage {
            frames.adjustMapCount(frame, by: 1)
            if flags.contains(.anonymous) { p.rssAnon += 1 } else if flags.contains(.shmem) { p.rssShmem += 1 } else { p.rssFile += 1 }
            if !flags.contains(.anonymous) && frames.mapCountOf(frame) == 1 { stats.mappedPages += 1 }
            p.noteGrowth()
            // `folio_add_lru_vma` / `page_add_file_rmap` → `mlock_vma_folio` in a VM_LOCKED VMA.
            if p.space.hasLocked, let vi = p.space.find(Page.address(ofNumber: vpn)), p.space.areas[vi].flags.contains(.locked) {
                mlockFolio(frame)
            }
        }
        return true
    }

    /// Allocates the `n` page-table pages a mapping in `p` needs before the table is touched
    /// (`__pte_alloc` runs before the PTE lock is taken): the allocations may reclaim, and
    /// reclaim walks page tables, this one included. The page being mapped is held off its LRU
    /// meanwhile, as the kernel's locked folio is skipped by reclaim. Nil, with nothing kept,
    /// when a page could not be had, the allocations ended `p` (the OOM killer chose it) or
    /// freed the page to be mapped.
    mutating func allocateTablePages(_ p: ProcessState, _ n: Int, protecting frame: PageFrameNumber?) -> [PageFrameNumber]? {
        var list: LRUList?
        let held = frame.flatMap { $0 == frames.zeroPage ? nil : $0 }
        let before = held.map { (frames.useOf($0), frames.ownerOf($0)) }
        if let f = held, let l = frames.lruListOf(f) { list = l; frames.lruDelete(f) }
        var pages: [PageFrameNumber] = []
        for _ in 0..<n {
            guard let t = allocateFrame(.pageTable) else { break }
            pages.append(t)
        }
        // The page may be gone: an OOM kill during the allocations can free it (the parent a
        // fork was copying from, say). Then the mapping cannot be made either.
        var lost = false
        if let f = held, let b = before {
            // Freed, or freed and handed out again (as one of these very table pages, say).
            lost = frames.useOf(f) != b.0 || frames.ownerOf(f) != b.1
            if let l = list, !lost { frames.lruAdd(f, l) }
        }
        if pages.count < n || !p.alive || lost {
            for t in pages { freeFrame(t) }
            return nil
        }
        return pages
    }

    /// Removes the PTE at `vpn`, dropping RSS and mapcount; frees private anonymous frames nobody maps.
    /// Returns 1 when a frame was freed.
    @usableFromInline @discardableResult
    mutating func zap(_ p: ProcessState, _ vpn: UInt64) -> UInt64 {
        guard let e = p.table.unmap(vpn) else { return 0 }
        guard e.frame != frames.zeroPage else { return 0 }
        frames.adjustMapCount(e.frame, by: -1)
        // `page_remove_rmap` → `munlock_vma_folio`: unlocked once no VM_LOCKED VMA maps it.
        if frames.folioFlags(folioHead(e.frame)).contains(.unevictable) { munlockFolio(e.frame) }
        let left = frames.mapCountOf(e.frame)
        if e.flags.contains(.anonymous) {
            p.rssAnon -= 1
            // A subpage of a THP still mapped by a PMD elsewhere stays until that mapping goes.
            if left == 0 && frames.useOf(e.frame) != .anonHuge {
                // A swap-cache page nobody maps leaves the cache with it (`free_swap_cache` →
                // `try_to_free_swap`) unless swap entries still name its slot.
                if let slot = swapEntry(of: e.frame) {
                    if swap.count(slot) > 0 { return 0 }
                    deleteFromSwapCache(e.frame)
                }
                freeFrame(e.frame); return 1
            }
        } else {
            if e.flags.contains(.shmem) { p.rssShmem -= 1 } else { p.rssFile -= 1 }
            if left == 0 { stats.mappedPages -= 1 }
        }
        return 0
    }

    /// Kills `p` with a signal (or for OOM), releasing its memory as exit would.
    @usableFromInline mutating func kill(_ p: ProcessState, signal: Int32) {
        guard p.alive else { return }
        if signal == 9 { stats.oomKill += 1 }
        teardown(p, status: -signal)
    }
}
