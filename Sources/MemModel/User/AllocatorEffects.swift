import MemTrace

/// One system call an allocator model makes: brk, mmap, munmap, mremap, mprotect or madvise.
///
/// `result` is what the model expects the kernel to return (the new break, the mapping's address,
/// 0); in re-allocated replay the engine hands the call to the kernel model, which follows it.
public struct AllocatorSyscall: Hashable, Sendable {
    public var op: MemoryOp
    public var address: UInt64
    public var length: UInt64
    public var newLength: UInt64
    public var prot: Protection
    public var flags: UInt32
    public var result: Int64

    @inlinable public init(op: MemoryOp, address: UInt64 = 0, length: UInt64 = 0, newLength: UInt64 = 0,
                           prot: Protection = [], flags: UInt32 = 0, result: Int64 = 0) {
        self.op = op; self.address = address; self.length = length; self.newLength = newLength
        self.prot = prot; self.flags = flags; self.result = result
    }

    /// The call as a trace-level memory call, for the kernel model.
    public var memoryCall: MemoryCall {
        MemoryCall(op: op, address: VirtualAddress(address), length: length, newLength: newLength, prot: prot,
                   flags: flags, result: result)
    }
}

/// Memory an allocator model writes itself: chunk headers, free-list links, calloc's zeroing,
/// realloc's copy. In re-allocated replay these become stores to the kernel model.
public struct AllocatorTouch: Hashable, Sendable {
    public var address: UInt64
    public var length: UInt64
    @inlinable public init(address: UInt64, length: UInt64) { self.address = address; self.length = length }
}

/// What an allocator model did besides returning an address, collected since the last drain.
public struct AllocatorEffects: Sendable {
    public var syscalls: [AllocatorSyscall] = []
    public var touches: [AllocatorTouch] = []
    /// Collect touches (off by default: only re-allocated replay feeds them to the kernel).
    public var recordTouches = false
    public init() {}

    @inlinable public var isEmpty: Bool { syscalls.isEmpty && touches.isEmpty }

    /// Records one system call.
    /// (Per-call counts are kept by `AllocatorRunStatistics`.)
    public mutating func syscall(_ s: AllocatorSyscall) {
        syscalls.append(s)
    }

    /// Records a write of `length` bytes at `address` by the allocator.
    @inline(__always) public mutating func touch(_ address: UInt64, _ length: UInt64 = 8) {
        if recordTouches { touches.append(AllocatorTouch(address: address, length: length)) }
    }

    /// Forgets the calls and touches collected so far (the totals stay).
    public mutating func drain() {
        if !syscalls.isEmpty { syscalls.removeAll(keepingCapacity: true) }
        if !touches.isEmpty { touches.removeAll(keepingCapacity: true) }
    }
}
