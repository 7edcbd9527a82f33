/// Memory-management system calls, plus `region`, a mapping that already exists when a process
/// appears (read from /proc/PID/maps at start or after exec).
public enum MemoryOp: UInt8, CaseIterable, Hashable, Sendable {
    case mmap = 0, munmap = 1, mremap = 2, mprotect = 3, madvise = 4, brk = 5
    case mlock = 6, munlock = 7, mlockall = 8, munlockall = 9, msync = 10
    case region = 11
    case setMempolicy = 12, mbind = 13

    public var name: String {
        switch self {
        case .mmap: "mmap"; case .munmap: "munmap"; case .mremap: "mremap"; case .mprotect: "mprotect"
        case .madvise: "madvise"; case .brk: "brk"; case .mlock: "mlock"; case .munlock: "munlock"
        case .mlockall: "mlockall"; case .munlockall: "munlockall"; case .msync: "msync"
        case .region: "region"
        case .setMempolicy: "set_mempolicy"; case .mbind: "mbind"
        }
    }
}

/// One memory system call with its arguments and result.
///
/// Fields by call: mmap(address hint, length, prot, flags, file, offset); munmap/mlock/munlock/
/// msync(address, length, flags); mremap(address, length, newLength, flags); mprotect(address,
/// length, prot); madvise(address, length, flags = advice); brk(address = requested break);
/// mlockall(flags); region(address, length, prot, flags shared/private, file, offset, name);
/// set_mempolicy(flags = mode | MPOL_F_* mode flags, offset = node mask, nodes 0…63 as bits);
/// mbind(address, length, flags = mode | mode flags, offset = node mask, newLength = MPOL_MF_* flags).
/// The node mask is what the kernel reads (`get_nodes`: the bits below maxnode − 1).
/// `result` is what the call returned: an address (mmap, mremap, brk), 0, or −errno.
public struct MemoryCall: Hashable, Sendable {
    public var op: MemoryOp
    public var address: VirtualAddress
    public var length: UInt64
    public var newLength: UInt64
    public var prot: Protection
    public var flags: UInt32
    public var file: FileID
    public var offset: UInt64
    public var name: StringID
    public var result: Int64

    @inlinable public init(op: MemoryOp, address: VirtualAddress = .null, length: UInt64 = 0, newLength: UInt64 = 0,
                           prot: Protection = [], flags: UInt32 = 0, file: FileID = .anonymous, offset: UInt64 = 0,
                           name: StringID = .none, result: Int64 = 0) {
        self.op = op; self.address = address; self.length = length; self.newLength = newLength
        self.prot = prot; self.flags = flags; self.file = file; self.offset = offset; self.name = name
        self.result = result
    }

    /// `flags` read as mmap flags.
    @inlinable public var mapFlags: MapFlags { MapFlags(rawValue: flags) }
    /// `flags` read as madvise advice.
    @inlinable public var advice: Advice { Advice(rawValue: flags) }
    /// `flags` read as msync flags.
    @inlinable public var msyncFlags: MsyncFlags { MsyncFlags(rawValue: flags) }
    /// `flags` read as mremap flags.
    @inlinable public var mremapFlags: MremapFlags { MremapFlags(rawValue: flags) }
    /// `flags` read as a memory-policy mode with its mode flags: (mode number, flags).
    @inlinable public var mempolicyMode: (mode: UInt32, flags: MempolicyModeFlags) {
        (flags & ~MempolicyModeFlags.all.rawValue, MempolicyModeFlags(rawValue: flags & MempolicyModeFlags.all.rawValue))
    }
    /// `flags` read as mlockall flags.
    @inlinable public var mlockallFlags: MlockallFlags { MlockallFlags(rawValue: flags) }

    /// A bit of `flags` no kernel call uses: set on the mmap and munmap calls the program's
    /// malloc made for itself (the recorder sees them as the heap's own moves), so a replay that
    /// re-allocates with an allocator model leaves them out — the model makes its own.
    public static let allocatorInternal: UInt32 = 1 << 31
    /// On a `region` with `MapFlags.fixedNoReplace`: the region is a line of a later
    /// /proc/self/maps snapshot, the process's state now, so a mapping of the same backing already
    /// there takes the snapshot's protection (as the mprotect that set it, which the interposer did
    /// not see) and keeps its pages; holes are mapped.
    public static let snapshotSync: UInt32 = 1 << 30
    /// True for a call the program's allocator made for itself.
    @inlinable public var isAllocatorInternal: Bool { flags & MemoryCall.allocatorInternal != 0 }
}
