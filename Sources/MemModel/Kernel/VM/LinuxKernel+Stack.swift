import MemTrace

extension LinuxKernel {
    /// Grows a VM_GROWSDOWN VMA (the stack) down to cover `address` when a fault lands below it
    /// (`expand_stack` → `expand_downwards` and `acct_stack_growth`, mm/mmap.c, as
    /// arch/x86/mm/fault.c calls it): the page-aligned address must stay above mmap_min_addr and
    /// `stack_guard_gap` above the previous VMA (unless that one grows down too or is inaccessible),
    /// and the stack may not pass RLIMIT_STACK or RLIMIT_AS, and the growth must be allowed by
    /// `__vm_enough_memory`. Returns the VMA's index, or nil when the fault is a SIGSEGV.
    mutating func expandStack(_ p: ProcessState, _ address: UInt64) -> Int? {
        let areas = p.space.areas
        var lo = 0, hi = areas.count
        while lo < hi { let mid = (lo + hi) >> 1; if areas[mid].end <= address { lo = mid + 1 } else { hi = mid } }
        guard lo < areas.count, areas[lo].flags.contains(.growsDown), areas[lo].start > address else { return nil }
        let v = areas[lo]
        let newStart = Page.alignDown(address)
        guard newStart >= LinuxKernel.mmapMinAddr else { return nil }
        if lo > 0 {
            let prev = areas[lo - 1]
            if !prev.flags.contains(.growsDown) && !prev.prot.isEmpty && newStart - min(newStart, prev.end) < LinuxKernel.stackGuardGap {
                return nil
            }
            guard prev.end <= newStart else { return nil }
        }
        let limits = vm
        guard v.end - newStart <= limits.rlimitStack else { return nil }
        guard Page.bytes(p.space.totalPages) + (v.start - newStart) <= limits.rlimitAS else { return nil }
        // acct_stack_growth: "Overcommit.. This must be the final test": the growth is charged to
        // the commit; refused, the fault is a SIGSEGV. (Linux charges a VM_GROWSDOWN VMA without
        // VM_ACCOUNT too, and never gives that back; the model charges only VM_ACCOUNT stacks, so
        // its count stays the sum of its VM_ACCOUNT VMAs.)
        if v.flags.contains(.account) && !vmEnoughMemory(p, Page.count(in: v.start - newStart)) { return nil }
        p.space.update(lo) { $0.start = newStart; $0.offset = newStart }
        changes.append(.vmaChanged(pid: p.pid, vma: p.space[lo]))
        let total = p.space.totalPages
        if total > p.hiwaterVM { p.hiwaterVM = total }
        return lo
    }
}
