import MemTrace

/// The user-space allocator layer's interface: malloc-family calls in, what the allocator did out.
///
/// `RecordedHeap` follows the trace's own results (replay "as recorded"); `ModeledHeap` runs an
/// allocator model (ptmalloc, jemalloc-like, fit policies, buddy) beside the trace, either only
/// reporting what it would have done, or re-allocating: then its addresses replace the trace's,
/// loads and stores to recorded blocks are translated (`translate`), and the engine lends it the
/// kernel for each call (`allocation(_:pid:tid:time:kernel:)`): the model's brk, mmap, munmap,
/// mremap, mprotect and madvise go to the kernel model as they happen and the model acts on the
/// answers. The memory the model writes itself is handed over afterwards (`pendingTouches`).
public protocol UserSpaceModel {
    /// Handles one call by thread `tid` of process `pid` at trace time `time` (nanoseconds), with
    /// no kernel model taking part (a model's system calls go to its `StandInKernel`).
    mutating func allocation(_ call: AllocationCall, pid: ProcessID, tid: ThreadID, time: UInt64) -> AllocationResult
    /// The same, with `kernel` answering the system calls the model makes during the call
    /// (re-allocated replay; the engine supplies it, the model never keeps it).
    mutating func allocation(_ call: AllocationCall, pid: ProcessID, tid: ThreadID, time: UInt64,
                             kernel: AllocatorKernel) -> AllocationResult
    /// Forgets a process's heap (exit or exec) or copies it to a child (fork).
    mutating func processEnded(_ pid: ProcessID)
    mutating func processForked(parent: ProcessID, child: ProcessID)
    /// A thread ended (its allocator caches go back, which may trim a heap).
    mutating func threadEnded(_ tid: ThreadID, pid: ProcessID)
    mutating func threadEnded(_ tid: ThreadID, pid: ProcessID, kernel: AllocatorKernel)
    /// A process present at the start of the trace, with its mappings (where its heap starts).
    mutating func seed(_ process: InitialProcess)
    /// True when the model's addresses, system calls and touches replace the trace's.
    var reallocates: Bool { get }
    /// The memory the model wrote during the last calls, for the kernel (re-allocating models).
    var pendingTouches: [AllocatorTouch] { get }
    mutating func clearPending()
    /// The model's address for a recorded address (identity outside recorded blocks).
    func translate(_ address: UInt64, pid: ProcessID) -> UInt64
    /// Summary metrics under `alloc.*`.
    func metrics() -> [(name: String, value: Double)]
}

extension UserSpaceModel {
    public mutating func allocation(_ call: AllocationCall, pid: ProcessID, tid: ThreadID, time: UInt64,
                                    kernel: AllocatorKernel) -> AllocationResult {
        allocation(call, pid: pid, tid: tid, time: time)
    }
    public mutating func threadEnded(_ tid: ThreadID, pid: ProcessID) {}
    public mutating func threadEnded(_ tid: ThreadID, pid: ProcessID, kernel: AllocatorKernel) { threadEnded(tid, pid: pid) }
    public mutating func seed(_ process: InitialProcess) {}
    public var reallocates: Bool { false }
    public var pendingTouches: [AllocatorTouch] { [] }
    public mutating func clearPending() {}
    @inline(__always) public func translate(_ address: UInt64, pid: ProcessID) -> UInt64 { address }
}

/// What the user-space layer made of one malloc-family call.
public struct AllocationResult: Hashable, Sendable {
    /// The usable size of the block returned (the request; 0 for free or failure).
    public var blockSize: UInt64
    /// Payload bytes live in the process afterwards.
    public var liveBytes: UInt64
    /// The address the model chose (0 without a model, for free, or on failure).
    public var modelAddress: UInt64
    /// The model's chunk or size-class size for the block allocated or freed.
    public var chunkSize: UInt64
    /// The path that served the call.
    public var path: AllocPath
    /// System calls the model made for this call.
    public var syscalls: UInt32
    /// The first of them (`MemoryOp` raw value), or 255 when none.
    public var firstSyscall: UInt8

    public init(blockSize: UInt64, liveBytes: UInt64, modelAddress: UInt64 = 0, chunkSize: UInt64 = 0,
                path: AllocPath = .none, syscalls: UInt32 = 0, firstSyscall: UInt8 = 255) {
        self.blockSize = blockSize; self.liveBytes = liveBytes; self.modelAddress = modelAddress
        self.chunkSize = chunkSize; self.path = path; self.syscalls = syscalls; self.firstSyscall = firstSyscall
    }
}
