/// How the kernel resolved a page fault (or why the access failed), as `handle_mm_fault` and
/// `__do_page_fault` (mm/memory.c, arch/x86/mm/fault.c) decide it.
public enum FaultKind: UInt8, CaseIterable, Hashable, Sendable {
    /// No fault: the translation was present and allowed the access.
    case none = 0
    /// Anonymous read of a never-touched page: the shared zero page is mapped (`do_anonymous_page`).
    case anonZeroPage = 1
    /// Anonymous write of a never-touched page: a zeroed page is allocated (`do_anonymous_page`).
    case anonNew = 2
    /// File page found in the page cache (`filemap_fault`, minor).
    case fileMinor = 3
    /// File page read from storage (`filemap_fault`, major: counts pgmajfault).
    case fileMajor = 4
    /// Write to a private page shared with another holder: copied (`wp_page_copy`).
    case cowCopy = 5
    /// Write to a write-protected private page held exclusively: reused (`do_wp_page`).
    case cowReuse = 6
    /// Shared anonymous or tmpfs page allocated in shmem (`shmem_fault`).
    case shmemNew = 7
    /// Shared anonymous or tmpfs page already in shmem.
    case shmemMinor = 8
    /// Write to the zero page: a new zeroed page replaces it (`wp_page_copy`).
    case zeroPageCopy = 9
    /// Write to a present shared file page not yet writable (`do_shared_fault` / page_mkwrite).
    case fileWriteNotify = 10
    /// Private file write of a cached page: the page-cache page is copied (`do_cow_fault`).
    case fileCow = 11
    /// Private file write of an uncached page: read from storage, then copied (`do_cow_fault`, major).
    case fileCowMajor = 12
    /// Anonymous fault mapped a new 2 MiB transparent huge page (`do_huge_pmd_anonymous_page`,
    /// thp_fault_alloc).
    case thpNew = 13
    /// Anonymous read fault mapped the huge zero page (`set_huge_zero_page`).
    case thpZeroPage = 14
    /// Write to a write-protected THP held by this mapping alone: reused whole (`do_huge_pmd_wp_page`).
    case thpReuse = 15
    /// A page in swap found in the swap cache (`do_swap_page`, minor).
    case swapIn = 16
    /// A page in swap read back from the swap device (`do_swap_page` via `swapin_readahead`,
    /// major: counts pgmajfault).
    case swapInMajor = 17
    /// No VMA covers the address: SIGSEGV, SEGV_MAPERR.
    case segvMapErr = 32
    /// The VMA forbids the access: SIGSEGV, SEGV_ACCERR.
    case segvAccErr = 33
    /// A file mapping beyond the end of the file: SIGBUS.
    case sigbus = 34
    /// No page frame could be had: VM_FAULT_OOM. Until reclaim and the OOM killer are modelled,
    /// the faulting process is killed, as `pagefault_out_of_memory` ends when it is the victim.
    case oom = 35
    /// The process was already killed; the event is ignored.
    case processDead = 36
    /// A fault-derived touch (`record --accesses faults`) the model cannot take as a fault: no VMA
    /// covers the page, the VMA forbids the access, or a file page lies beyond EOF. The real
    /// program took that fault and survived it (a handled SIGSEGV, as the JVM's implicit null
    /// checks and safepoint polls do), or the sample landed beside the mapping call that made the
    /// page valid; either way the model changes nothing and sends no signal.
    case touchIgnored = 37
    /// A fault-derived touch that found no VMA, held until the process's next memory calls map its
    /// page (`PendingTouch`: an allocation is stamped after its call, so the fault on its chunk
    /// header comes before the trace's mmap or brk); its fault, if any, is reported then.
    case touchDeferred = 38

    /// The name used in the store's enum table.
    public var name: String {
        switch self {
        case .none: "none"; case .anonZeroPage: "anon_zero_page"; case .anonNew: "anon_new"
        case .fileMinor: "file_minor"; case .fileMajor: "file_major"; case .cowCopy: "cow_copy"
        case .cowReuse: "cow_reuse"; case .shmemNew: "shmem_new"; case .shmemMinor: "shmem_minor"
        case .zeroPageCopy: "zero_page_copy"; case .fileWriteNotify: "file_write_notify"
        case .fileCow: "file_cow"; case .fileCowMajor: "file_cow_major"
        case .thpNew: "thp_new"; case .thpZeroPage: "thp_zero_page"; case .thpReuse: "thp_reuse"
        case .swapIn: "swap_in"; case .swapInMajor: "swap_in_major"
        case .segvMapErr: "segv_maperr"; case .segvAccErr: "segv_accerr"; case .sigbus: "sigbus"
        case .oom: "oom"; case .processDead: "process_dead"; case .touchIgnored: "touch_ignored"
        case .touchDeferred: "touch_deferred"
        }
    }
    /// The size of the page the fault mapped: 2 MiB for the THP kinds, else 4 KiB.
    @inlinable public var pageSize: PageSize { rawValue >= 13 && rawValue <= 15 ? .size2M : .size4K }
    /// True when the fault went to storage (counts in pgmajfault).
    @inlinable public var isMajor: Bool { self == .fileMajor || self == .fileCowMajor || self == .swapInMajor }
    /// True when the access could not complete and the process receives a signal.
    @inlinable public var isSignal: Bool { rawValue >= 32 }
    /// True for a fault the kernel handled (counts in pgfault).
    @inlinable public var isFault: Bool { self != .none && rawValue < 32 }
}
