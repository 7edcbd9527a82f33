import MemTrace

/// The per-mm sizes the resource limits are checked against (`mm->locked_vm`, `mm->data_vm`,
/// `mm->total_vm`, as `vm_stat_account` keeps them) and the placement of new mappings.
extension LinuxKernel {
    /// Pages in VM_LOCKED VMAs (locked_vm), optionally only those inside [start, end).
    public func lockedPages(_ p: ProcessState, _ start: UInt64 = 0, _ end: UInt64 = .max) -> UInt64 {
        var n: UInt64 = 0
        for v in p.space.areas where v.flags.contains(.locked) && v.end > start && v.start < end {
            n += Page.count(in: min(v.end, end) - max(v.start, start))
        }
        return n
    }

    /// Pages of private writable non-stack VMAs (data_vm: `is_data_mapping`).
    public func dataPages(_ p: ProcessState) -> UInt64 {
        var n: UInt64 = 0
        for v in p.space.areas where !v.isShared && v.prot.contains(.write) && !v.flags.contains(.growsDown) { n += v.pages }
        return n
    }

    /// Bytes of [start, end) already covered by VMAs (replaced by a MAP_FIXED mapping).
    func mappedBytes(_ p: ProcessState, _ start: UInt64, _ end: UInt64) -> UInt64 {
        var n: UInt64 = 0
        for v in p.space.areas where v.end > start && v.start < end { n += min(v.end, end) - max(v.start, start) }
        return n
    }

    /// `get_unmapped_area` top-down below mmap_base; with `thpAlign` (anonymous private mappings
    /// whose length is a multiple of 2 MiB, Linux ≥ 6.7's `thp_get_unmapped_area`), a gap 2 MiB
    /// longer is found and the start rounded up to a 2 MiB boundary.
    func placeMapping(_ p: ProcessState, length: UInt64, thpAlign: Bool) -> UInt64? {
        if thpAlign, let g = p.space.highestGap(length: length + HugePage.size, floor: LinuxKernel.mmapMinAddr,
                                                  ceiling: p.mmapBase, guardGap: LinuxKernel.stackGuardGap) {
            let misalign = (0 &- g) & HugePage.offsetMask
            // Top-down and already aligned: the kernel takes the upper end of the padded gap.
            return misalign == 0 ? g + HugePage.size : g + misalign
        }
        return p.space.highestGap(length: length, floor: LinuxKernel.mmapMinAddr, ceiling: p.mmapBase, guardGap: LinuxKernel.stackGuardGap)
    }
}
