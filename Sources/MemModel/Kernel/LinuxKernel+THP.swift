import MemTrace

extension LinuxKernel {
    /// True when `vma` may be mapped with transparent huge pages, as smaps' THPeligible reports it
    /// (`hugepage_vma_check` in mm/huge_memory.c, 6.1, with `transhuge_vma_suitable`): anonymous
    /// private memory only (shmem_enabled and file THP are off by default), not VM_NOHUGEPAGE,
    /// enabled = always or madvise with VM_HUGEPAGE, and an aligned 2 MiB range ending at or
    /// before the VMA's end that starts at or after its start.
    public func thpEligible(_ vma: VirtualMemoryArea) -> Bool {
        guard case .anonymous = vma.backing, !vma.isShared else { return false }
        guard !vma.flags.contains(.noHugePage) else { return false }
        switch configuration.vm.thpEnabled {
        case .never: return false
        case .madvise: guard vma.flags.contains(.hugePage) else { return false }
        case .always: break
        }
        guard vma.end >= LinuxKernel.hugePageBytes else { return false }
        let last = (vma.end - LinuxKernel.hugePageBytes) & ~(LinuxKernel.hugePageBytes - 1)
        return last >= vma.start
    }

    /// HPAGE_PMD_SIZE.
    public static let hugePageBytes: UInt64 = 2 << 20
}
