import MemTrace

/// The /proc/meminfo and /proc/vmstat fields the kernel model can state, in the kernel's order, and
/// MemAvailable, which is more than a page count (Committed_AS and CommitLimit are
/// `CommitAccounting`'s, LinuxKernel+Commit.swift).
extension LinuxKernel {
    /// MemAvailable in pages (`si_mem_available`).
    public var memAvailablePages: UInt64 {
        frames.memAvailable(fileLRU: frames.pages(of: .file), reclaimableSlab: slab.reclaimablePages)
    }

    /// /proc/meminfo, label → kB (HugePages_* are counts), in `meminfo_proc_show` order
    /// (`KernelCounter.meminfo`).
    public func meminfoFields() -> [(String, UInt64)] {
        KernelCounter.meminfo.map { ($0.field, UInt64($0.value(self))) }
    }

    /// /proc/vmstat name → value for the counters the model keeps, in `vmstat_text` order
    /// (`KernelCounter.vmstat`).
    public func vmstatFields() -> [(String, UInt64)] {
        KernelCounter.vmstat.map { ($0.field, UInt64($0.value(self))) }
    }
}
