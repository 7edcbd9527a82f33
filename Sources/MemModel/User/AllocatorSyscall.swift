import MemTrace

/// One system call an allocator model makes — brk, mmap, munmap, mremap, mprotect or madvise —
/// with the kernel's answer once it has been made.
///
/// The model fills in the request and hands it to `AllocatorEffects.perform(_:)`, which asks the
/// kernel (the engine's kernel model in re-allocated replay, a `StandInKernel` otherwise) and
/// records the answer in `result`, as the system call returns it: the break now for brk (the old
/// one when the kernel refused to move it), the mapping's address for mmap and mremap, 0, or
/// −errno.
public struct AllocatorSyscall: Hashable, Sendable {
    public var op: MemoryOp
    /// The requested break (brk; 0 reads it), the range's start, or mmap's address hint (0: none).
    public var address: UInt64
    public var length: UInt64
    public var newLength: UInt64
    public var prot: Protection
    /// mmap flags, mremap flags or madvise advice.
    public var flags: UInt32
    /// The kernel's answer (0 until performed).
    public var result: Int64

    /// mmap(2) flags of an allocator's anonymous memory: MAP_PRIVATE | MAP_ANONYMOUS.
    public static let mapPrivateAnonymous: UInt32 = MapFlags.private.rawValue | MapFlags.anonymous.rawValue
    /// MAP_NORESERVE (thread-arena heaps are reserved PROT_NONE without commit charge).
    public static let mapNoReserve: UInt32 = MapFlags.noReserve.rawValue
    /// MREMAP_MAYMOVE (include/uapi/linux/mman.h).
    public static let mremapMayMove: UInt32 = 1

    @inlinable public init(op: MemoryOp, address: UInt64 = 0, length: UInt64 = 0, newLength: UInt64 = 0,
                           prot: Protection = [], flags: UInt32 = 0, result: Int64 = 0) {
        self.op = op; self.address = address; self.length = length; self.newLength = newLength
        self.prot = prot; self.flags = flags; self.result = result
    }

    /// The request as a trace-level memory call with no recorded result, so the kernel model
    /// decides as the kernel would: where a mapping goes, whether the break may move.
    public var memoryCall: MemoryCall {
        MemoryCall(op: op, address: VirtualAddress(address), length: length, newLength: newLength, prot: prot, flags: flags)
    }

    /// True when the kernel refused: a negative errno, or for brk a break below the one asked for
    /// (glibc's `__brk`, sysdeps/unix/sysv/linux/brk.c: `__curbrk < addr` → ENOMEM).
    public var isRefused: Bool {
        if op == .brk { return result < 0 || (address != 0 && UInt64(result) < address) }
        return result < 0
    }
}
