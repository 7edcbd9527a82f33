import MemTrace

/// The kernel's side of overcommit accounting (`CommitAccounting`): the requests it makes on a
/// process's behalf, the memory facts `__vm_enough_memory` reads, Committed_AS and CommitLimit,
/// and the check of the running count against the VMAs and shmem objects.
extension LinuxKernel {
    /// `total_swap_pages`: the usable slots of every swap area (`SwapSpace`).
    public var totalSwapPages: UInt64 { swap.totalPages }

    /// `security_vm_enough_memory_mm(mm, pages)` (security/security.c → `__vm_enough_memory`,
    /// mm/util.c): charges `pages` to Committed_AS for `p` (nil: a request without an mm) when the
    /// policy allows, with CAP_SYS_ADMIN as the configuration says (`cap_vm_enough_memory`).
    /// False when refused: nothing is charged and the caller fails with ENOMEM.
    mutating func vmEnoughMemory(_ p: ProcessState?, _ pages: UInt64) -> Bool {
        let strict = commit.policy.mode == .never
        let totalVM = strict ? p?.space.totalPages : nil
        return commit.enoughMemory(pages, totalVM: totalVM, capSysAdmin: commit.policy.capSysAdmin, memory: commitMemory())
    }

    /// The machine's memory as `__vm_enough_memory` reads it now: the swap totals always, the
    /// per-page shmem charges for mode 2, the free-memory terms for mode 0 before 5.2.
    func commitMemory() -> CommitAccounting.Memory {
        var m = CommitAccounting.Memory()
        m.totalSwapPages = totalSwapPages
        m.freeSwapPages = swap.freePages
        switch commit.policy.mode {
        case .always: break
        case .never: m.shmemBlocks = shmemBlockPages
        case .guess:
            guard commit.legacyHeuristic else { break }
            let scope = PageScope(machine: self)
            m.freePages = scope.freePages
            m.filePages = PageStateCounter.filePages.pages(scope)
            m.shmemPages = PageStateCounter.shmem.pages(scope)
            m.reclaimableSlabPages = scope.slabReclaimable
            m.totalReservePages = frames.totalReservePages
        }
        return m
    }

    /// Pages `shmem_acct_block` charged one at a time (mm/shmem.c): those of tmpfs files and of
    /// shmem objects without a size reservation (VM_NORESERVE) — every shmem frame but those of
    /// objects charged for their size.
    public var shmemBlockPages: UInt64 {
        var covered: UInt64 = 0
        for o in cache.shmem.values where o.reserved > 0 { covered += UInt64(o.pages.count) }
        return frames.pages(of: .shmem) - min(covered, frames.pages(of: .shmem))
    }

    /// Committed_AS in pages (`vm_committed_as`): the running count of charges plus the per-page
    /// shmem charges.
    public var committedPages: UInt64 { commit.committed + shmemBlockPages }

    /// CommitLimit in pages (`vm_commit_limit`).
    public var commitLimitPages: UInt64 { commit.commitLimit(totalSwapPages: totalSwapPages) }

    /// Pages of VM_ACCOUNT VMAs of `p` inside [start, end).
    func accountedPages(_ p: ProcessState, _ start: UInt64, _ end: UInt64) -> UInt64 {
        var n: UInt64 = 0
        for v in p.space.areas where v.flags.contains(.account) && v.end > start && v.start < end {
            n += Page.count(in: min(v.end, end) - max(v.start, start))
        }
        return n
    }

    /// `shmem_acct_size` (mm/shmem.c) for a new shmem object of `length` bytes mapped with
    /// `noReserve` (VM_NORESERVE): the size in pages charged to Committed_AS (0 for VM_NORESERVE,
    /// whose pages `shmem_acct_block` charges as they come), or nil when refused.
    mutating func shmemAccountSize(_ p: ProcessState?, _ length: UInt64, noReserve: Bool) -> UInt64? {
        guard !noReserve else { return 0 }
        let pages = Page.count(covering: length)      // VM_ACCT(size)
        return vmEnoughMemory(p, pages) ? pages : nil
    }

    /// The commit count against what is charged (part of `invariantViolations()`): the running
    /// count equals the pages of every VM_ACCOUNT VMA plus the size charges of the shmem objects
    /// (`shmem_acct_size`).
    func commitViolations() -> [String] {
        var vmas: UInt64 = 0
        for pid in processes.keys.sorted() {
            for v in processes[pid]!.space.areas where v.flags.contains(.account) { vmas += v.pages }
        }
        var shmem: UInt64 = 0
        for o in cache.shmem.values { shmem += o.reserved }
        guard commit.committed != vmas + shmem else { return [] }
        return ["Committed_AS counts \(commit.committed) pages but VM_ACCOUNT VMAs hold \(vmas) and shmem objects reserve \(shmem)"]
    }
}
