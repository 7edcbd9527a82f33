import MemTrace

extension LinuxKernel {
    /// Restores VM_ACCOUNT on the RELRO parts of a process's initial regions, which /proc/PID/maps
    /// does not show but smaps' VmFlags and Committed_AS do.
    ///
    /// ld.so maps each writable PT_LOAD segment read-write (private, so charged: VM_ACCOUNT) and
    /// then makes its RELRO prefix read-only (`_dl_protect_relro` → mprotect); `mprotect_fixup`
    /// keeps VM_ACCOUNT when write permission goes away. Such a prefix is a private read-only
    /// region of a file directly followed by a private read-write region of the same file at the
    /// next offset.
    mutating func markRelocationReadOnly(_ p: ProcessState, _ regions: [MappedRegion]) {
        for (a, b) in zip(regions, regions.dropFirst()) {
            guard a.path.hasPrefix("/"), a.path == b.path, a.device == b.device, a.inode == b.inode,
                  !a.isShared, !b.isShared, a.protection == [.read], b.protection == [.read, .write],
                  a.end == b.start, a.offset + (a.end - a.start) == b.offset,
                  let i = p.space.find(a.start), p.space[i].start == a.start, p.space[i].end == a.end,
                  !p.space[i].flags.contains(.account) else { continue }
            p.space.update(i) { $0.flags.insert(.account) }
            commit.charge(p.space[i].pages)      // charged when ld.so mapped it writable
            changes.append(.vmaChanged(pid: p.pid, vma: p.space[i]))
        }
    }
}
