import MemTrace

extension LinuxKernel {
    /// True when `vma` may be mapped with transparent huge pages, as smaps' THPeligible reports it
    /// (`hugepage_vma_check` in mm/huge_memory.c, 6.1, with `transhuge_vma_suitable`): anonymous
    /// private memory only (shmem_enabled and file THP are off by default), not VM_NOHUGEPAGE,
    /// enabled = always or madvise with VM_HUGEPAGE, and an aligned 2 MiB range ending at or
    /// before the VMA's end that starts at or after its start.
    public func thpEligible(_ vma: VirtualMemoryArea) -> Bool {
        guard thpPolicyAllows(vma), vma.end >= LinuxKernel.hugePageBytes else { return false }
        let last = (vma.end - LinuxKernel.hugePageBytes) & ~(LinuxKernel.hugePageBytes - 1)
        return last >= vma.start
    }

    /// The policy half of `hugepage_vma_check`: private anonymous memory, not VM_NOHUGEPAGE, and
    /// enabled = always, or madvise with VM_HUGEPAGE.
    @inlinable func thpPolicyAllows(_ vma: VirtualMemoryArea) -> Bool {
        guard case .anonymous = vma.backing, !vma.isShared, !vma.flags.contains(.noHugePage) else { return false }
        switch vm.thpEnabled {
        case .never: return false
        case .madvise: return vma.flags.contains(.hugePage)
        case .always: return true
        }
    }

    /// HPAGE_PMD_SIZE.
    public static let hugePageBytes: UInt64 = 2 << 20
}
