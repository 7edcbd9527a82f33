import MemTrace

extension LinuxKernel {
    /// True when `vma` may be mapped with transparent huge pages, as smaps' THPeligible reports it
    /// (`hugepage_vma_check` in mm/huge_memory.c, 6.1, with `transhuge_vma_suitable`): anonymous
    /// private memory only (shmem_enabled and file THP are off by default), not VM_NOHUGEPAGE,
    /// enabled = always or madvise with VM_HUGEPAGE, and an aligned 2 MiB range ending at or
    /// before the VMA's end that starts at or after its start.
    public func thpEligible(_ vma: VirtualMemoryArea) -> Bool {
        guard thpPolicyAllows(vma), vma.end >= HugePage.size else { return false }
        let last = HugePage.alignDown(vma.end - HugePage.size)
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
}
