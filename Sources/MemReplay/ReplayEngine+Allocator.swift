import MemTrace
import MemModel

extension ReplayEngine {
    /// Re-allocated replay: hands the allocator model's system calls (brk, mmap, munmap, mremap,
    /// mprotect, madvise) and its own memory writes (headers, calloc zeroing, realloc copies, one
    /// store per page) to the kernel model, recording the faults they cause under event `seq`.
    mutating func applyUserEffects<Sink: OutcomeSink>(pid: ProcessID, seq: UInt64, into sink: inout Sink) throws {
        for s in user.pendingSyscalls {
            _ = kernel.memory(s.memoryCall, pid: pid, name: "")
        }
        for t in user.pendingTouches {
            var page = t.address & ~4095
            let end = t.address + max(t.length, 1)
            while page < end {
                let address = max(page, t.address)
                let tr = kernel.access(MemoryAccess(kind: .store, address: VirtualAddress(address), size: 8), pid: pid)
                if tr.fault != .none {
                    faultCounts[Int(tr.fault.rawValue)] += 1
                    try sink.fault(faultRecord(seq: seq, pid: pid, address: page, kind: tr.fault, vma: tr.vma, frame: tr.frame))
                }
                page += 4096
            }
        }
        user.clearPending()
        if kernel.hasChanges { try drainChanges(seq: seq, into: &sink) }
    }
}
