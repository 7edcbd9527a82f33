import MemTrace

/// Something the kernel model changed besides an event's direct result, handed to the engine in
/// order after each event (faults caused by a syscall, VMAs created or removed, processes).
public enum KernelChange: Hashable, Sendable {
    /// A page fault handled at page `address`.
    case fault(pid: ProcessID, address: UInt64, kind: FaultKind, vma: VMAID, frame: PageFrameNumber)
    /// A VMA now exists with this shape (created, grown, shrunk, re-protected).
    case vmaChanged(pid: ProcessID, vma: VirtualMemoryArea)
    /// A VMA is gone (unmapped, merged into a neighbour, or its process ended).
    case vmaRemoved(pid: ProcessID, vma: VirtualMemoryArea)
    /// A process appeared.
    case processStarted(pid: ProcessID, parent: ProcessID, image: String)
    /// A process image was replaced by exec.
    case processExec(pid: ProcessID, image: String)
    /// A process ended: exit status, or −signal when killed.
    case processEnded(pid: ProcessID, status: Int32)
    case threadStarted(tid: ThreadID, pid: ProcessID)
    case threadEnded(tid: ThreadID, pid: ProcessID)
    /// The translations of virtual pages [firstVPN, endVPN) of `pid` changed or went away
    /// (munmap, mprotect, COW, MADV_DONTNEED, exit): the hardware flushes them (`flush_tlb_mm_range`).
    case tlbInvalidate(pid: ProcessID, firstVPN: UInt64, endVPN: UInt64)
    /// The OOM killer killed a process (its log lines and every candidate's points).
    case oomKill(OOMKill)
    /// A file is known with this size.
    case fileChanged(id: FileID, path: String, size: UInt64)
}
