import MemTrace
import MemModel

extension ReplayEngine {
    /// Re-allocated replay: one malloc-family call (or a thread's exit, whose caches go back)
    /// with the kernel model lent to the allocator model for the call's system calls.
    ///
    /// The engine mediates and the data flows one way: the allocator model receives a closure,
    /// never the kernel; each brk, mmap, munmap, mremap, mprotect or madvise it makes goes to
    /// `kernel.memory` as a call with no recorded result, so the kernel decides (where a mapping
    /// goes, whether the break may move, whether a limit refuses it) and the model acts on the
    /// answer before it commits: glibc falls back from brk to mmap, both return NULL when refused.
    /// The cost is one closure per call, called only when the model makes a system call.
    @inlinable @inline(__always)
    mutating func reallocate(_ call: AllocationCall, pid: ProcessID, tid: ThreadID, time: UInt64) -> AllocationResult {
        allocationChangedKernel = false
        return user.allocation(call, pid: pid, tid: tid, time: time) {
            allocationChangedKernel = true
            return kernel.memory($0.memoryCall, pid: pid, name: "").result
        }
    }

    /// A thread of a re-allocated process ended, with the kernel model lent for the system calls
    /// its caches' return may make.
    @usableFromInline
    mutating func endThread(_ tid: ThreadID, pid: ProcessID) {
        user.threadEnded(tid, pid: pid) { kernel.memory($0.memoryCall, pid: pid, name: "").result }
    }

    /// Hands the allocator model's own memory writes (headers, free-list links, calloc zeroing,
    /// realloc copies; one store per page) to the kernel model, recording the faults they cause
    /// under event `seq`, then the kernel's queued changes (the model's system calls' VMAs).
    @usableFromInline
    mutating func applyUserEffects<Sink: OutcomeSink>(pid: ProcessID, seq: UInt64, into sink: inout Sink) throws {
        for t in user.pendingTouches {
            var page = t.address & ~4095
            let end = t.address + max(t.length, 1)
            while page < end {
                let address = max(page, t.address)
                let tr = kernel.access(MemoryAccess(kind: .store, address: VirtualAddress(address), size: 8), pid: pid)
                if tr.fault != .none {
                    allocationChangedKernel = true
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
