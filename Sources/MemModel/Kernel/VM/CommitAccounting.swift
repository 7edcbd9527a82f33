import MemTrace

/// Overcommit accounting: `vm_committed_as` as a running count of the pages charged to it, the
/// policy in force, `vm_commit_limit` and `__vm_enough_memory` (mm/util.c, Linux 6.1).
///
/// The kernel charges where Linux calls `security_vm_enough_memory_mm` — a private writable
/// mapping (VM_ACCOUNT), a shmem object's size (`shmem_acct_size`), brk and stack growth, mprotect
/// making a private range writable, mremap growth, and every VM_ACCOUNT VMA again at fork — and
/// uncharges (`vm_unacct_memory`) as those go: munmap, exit, exec, a brk or mremap shrink, the
/// shmem object's release. `LinuxKernel.invariantViolations()` checks the count against a walk of
/// the VM_ACCOUNT VMAs and the shmem objects' charges.
///
/// The pages `shmem_acct_block` charges one by one (tmpfs files, and shmem objects mapped with
/// MAP_NORESERVE outside mode 2) are not in `committed`: they are the pages those objects hold,
/// which the kernel reads from the page cache when it needs the whole of Committed_AS
/// (`LinuxKernel.shmemBlockPages`) and passes in as `Memory.shmemBlocks`.
public struct CommitAccounting: Hashable, Sendable {
    /// The machine's memory as `__vm_enough_memory` reads it at the moment of a request.
    public struct Memory: Hashable, Sendable {
        /// `total_swap_pages` (the CommitLimit's swap term and mode 0's bound).
        public var totalSwapPages: UInt64 = 0
        /// `get_nr_swap_pages()`: free swap (the pre-5.2 heuristic).
        public var freeSwapPages: UInt64 = 0
        /// NR_FREE_PAGES, NR_FILE_PAGES (shmem included), NR_SHMEM, NR_SLAB_RECLAIMABLE and
        /// `totalreserve_pages`, read only by the pre-5.2 heuristic.
        public var freePages: UInt64 = 0
        public var filePages: UInt64 = 0
        public var shmemPages: UInt64 = 0
        public var reclaimableSlabPages: UInt64 = 0
        public var totalReservePages: UInt64 = 0
        /// Pages charged by `shmem_acct_block` (see the type's summary), part of Committed_AS.
        public var shmemBlocks: UInt64 = 0

        public init() {}
    }

    /// Pages charged by `vm_acct_memory` and not yet uncharged: Committed_AS without the
    /// per-page shmem charges.
    public private(set) var committed: UInt64 = 0
    /// The policy in force: the configuration's, as sysctl control events changed it since, with
    /// the reserves resolved.
    public private(set) var policy: OvercommitPolicy
    /// Requests `__vm_enough_memory` refused.
    public private(set) var refusals: UInt64 = 0
    /// `totalram_pages()` (no hugetlb pool is modelled, so `hugetlb_total_pages()` is 0).
    public let totalRAMPages: UInt64
    /// Mode 0 follows the heuristic of kernels before 5.2 (free + page cache − shmem + free swap
    /// + reclaimable slab − totalreserve_pages), before 8c7829b04c52 ("mm: fix false-positive
    /// OVERCOMMIT_GUESS failures") made it refuse only a request larger than RAM + swap.
    public let legacyHeuristic: Bool

    /// Accounting for a machine of `totalRAMPages` with `freePagesAtBoot` free when the reserves
    /// are set (`init_admin_reserve`, `init_user_reserve`: min(free kB / 32, 8 MiB) and
    /// min(free kB / 32, 128 MiB), unless `policy` sets them), following `version`'s rules.
    public init(policy: OvercommitPolicy, totalRAMPages: UInt64, freePagesAtBoot: UInt64, version: KernelVersion) {
        var p = policy
        let freeKbytes = freePagesAtBoot * 4
        if p.adminReserveKbytes == nil { p.adminReserveKbytes = min(freeKbytes / 32, 1 << 13) }
        if p.userReserveKbytes == nil { p.userReserveKbytes = min(freeKbytes / 32, 1 << 17) }
        self.policy = p
        self.totalRAMPages = totalRAMPages
        self.legacyHeuristic = version < KernelVersion(major: 5, minor: 2)
    }

    /// vm.admin_reserve_kbytes in pages (`sysctl_admin_reserve_kbytes >> (PAGE_SHIFT - 10)`).
    public var adminReservePages: UInt64 { (policy.adminReserveKbytes ?? 0) >> 2 }
    /// vm.user_reserve_kbytes in pages.
    public var userReservePages: UInt64 { (policy.userReserveKbytes ?? 0) >> 2 }

    /// `vm_commit_limit` (mm/util.c): overcommit_kbytes in pages when set, else
    /// (totalram − hugetlb) × overcommit_ratio / 100; plus the swap pages.
    public func commitLimit(totalSwapPages: UInt64) -> UInt64 {
        let ram = policy.kbytes != 0 ? policy.kbytes >> 2 : totalRAMPages * policy.ratio / 100
        return ram + totalSwapPages
    }

    /// `__vm_enough_memory(mm, pages, cap_sys_admin)` (mm/util.c, 6.1): charges `pages` first
    /// (`vm_acct_memory`), then mode 1 allows; mode 0 refuses a request of more pages than RAM +
    /// swap (before 5.2: the free-memory heuristic, `legacyGuess`); mode 2 allows while Committed_AS
    /// stays below CommitLimit − the admin reserve (without CAP_SYS_ADMIN) − min(total_vm / 32,
    /// user reserve) (when the request has an mm: `totalVM` is its total_vm). A refusal uncharges
    /// and is counted; the caller fails with ENOMEM.
    public mutating func enoughMemory(_ pages: UInt64, totalVM: UInt64?, capSysAdmin: Bool, memory: Memory) -> Bool {
        charge(pages)
        let allowed: Bool
        switch policy.mode {
        case .always:
            return true
        case .guess:
            allowed = legacyHeuristic ? legacyGuess(pages, capSysAdmin: capSysAdmin, memory: memory)
                : pages <= totalRAMPages + memory.totalSwapPages
        case .never:
            var limit = Int64(commitLimit(totalSwapPages: memory.totalSwapPages))
            if !capSysAdmin { limit -= Int64(adminReservePages) }
            if let totalVM { limit -= Int64(min(totalVM / 32, userReservePages)) }
            allowed = Int64(committed + memory.shmemBlocks) < limit
        }
        if !allowed {
            uncharge(pages)
            refusals += 1
        }
        return allowed
    }

    /// Mode 0 before Linux 5.2 (`__vm_enough_memory`, 4.19 mm/util.c): free pages, plus the page
    /// cache less shmem, free swap and reclaimable slab, less `totalreserve_pages` (nothing is
    /// left when they do not exceed it) and, without CAP_SYS_ADMIN, the admin reserve, must
    /// exceed the request.
    func legacyGuess(_ pages: UInt64, capSysAdmin: Bool, memory m: Memory) -> Bool {
        var free = Int64(m.freePages) + Int64(m.filePages) - Int64(m.shmemPages) + Int64(m.freeSwapPages)
            + Int64(m.reclaimableSlabPages)
        guard free > Int64(m.totalReservePages) else { return false }
        free -= Int64(m.totalReservePages)
        if !capSysAdmin { free -= Int64(adminReservePages) }
        return free > Int64(pages)
    }

    /// `vm_acct_memory`: charges `pages` without asking (a charge already made elsewhere: the
    /// regions a process had when the trace began, the part of a VMA mremap moves).
    public mutating func charge(_ pages: UInt64) { committed += pages }

    /// `vm_unacct_memory`: returns `pages` charged before. (More than is charged would be a
    /// missed charge: the count stops at 0 and the kernel's invariant check reports the mismatch.)
    public mutating func uncharge(_ pages: UInt64) { committed -= min(pages, committed) }

    /// A sysctl written by a control event: the policy follows `vm.overcommit_*` and the reserves
    /// (`OvercommitPolicy.apply`). False when the key is not an overcommit one or the value is out
    /// of the sysctl's range (then nothing changes, as the write fails with EINVAL).
    public mutating func applySysctl(_ key: String, _ value: Int64) -> Bool { policy.apply(key, value) }
}
