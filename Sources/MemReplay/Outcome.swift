import MemTrace
import MemModel

/// What the replay made of one trace event: the event itself, its sequence number, and the
/// family-specific result the models returned.
public struct Outcome: Hashable, Sendable {
    /// The event's position in the trace, from 1.
    public var seq: UInt64
    public var record: TraceRecord
    public var detail: OutcomeDetail

    @inlinable public init(seq: UInt64, record: TraceRecord, detail: OutcomeDetail) {
        self.seq = seq; self.record = record; self.detail = detail
    }
}

/// The family-specific part of an outcome; the case always matches the event's family.
public enum OutcomeDetail: Hashable, Sendable {
    case access(AccessOutcome)
    case process(ProcessOutcome)
    case alloc(AllocOutcome)
    case memory(MemoryOutcome)
    case file(FileOutcome)
    case control
}

/// The kernel's (and later the hardware's) answer to one load, store or instruction fetch.
public struct AccessOutcome: Hashable, Sendable {
    /// The fault taken, `.none` when the translation was present.
    public var fault: FaultKind
    /// The frame the access reached (0 when it did not complete).
    public var frame: PageFrameNumber
    /// The VMA that covers the address (`.none` when none does).
    public var vma: VMAID
    /// What the hardware model did (`.none` when no hardware is modelled or the access failed).
    public var hardware: HardwareOutcome

    @inlinable public init(fault: FaultKind, frame: PageFrameNumber, vma: VMAID, hardware: HardwareOutcome = .none) {
        self.fault = fault; self.frame = frame; self.vma = vma; self.hardware = hardware
    }
}

/// The result of a process lifecycle event.
public struct ProcessOutcome: Hashable, Sendable {
    /// The process created, replaced or ended.
    public var pid: ProcessID
    /// Pages released (exit, exec) or write-protected for copy-on-write (fork).
    public var pages: UInt64

    @inlinable public init(pid: ProcessID, pages: UInt64) { self.pid = pid; self.pages = pages }
}

/// The user-space allocator layer's view of a malloc-family call.
public struct AllocOutcome: Hashable, Sendable {
    /// The usable size of the block the call returned (0 for free or failure).
    public var blockSize: UInt64
    /// Payload bytes live in the process after the call.
    public var liveBytes: UInt64

    /// The address the allocator model chose (0 without a model, for free, or on failure).
    public var modelAddress: UInt64 = 0
    /// The model's chunk or size-class size for the block allocated or freed.
    public var chunkSize: UInt64 = 0
    /// The model's path that served the call (`AllocPath`).
    public var path: AllocPath = .none
    /// System calls the model made for the call, and the first of them (`MemoryOp` raw, 255 none).
    public var syscalls: UInt32 = 0
    public var firstSyscall: UInt8 = 255

    @inlinable public init(blockSize: UInt64, liveBytes: UInt64) { self.blockSize = blockSize; self.liveBytes = liveBytes }

    /// The user-space layer's result as an outcome.
    @inlinable public init(_ r: AllocationResult) {
        blockSize = r.blockSize; liveBytes = r.liveBytes; modelAddress = r.modelAddress; chunkSize = r.chunkSize
        path = r.path; syscalls = r.syscalls; firstSyscall = r.firstSyscall
    }
}

/// The kernel model's result for a memory system call.
public struct MemoryOutcome: Hashable, Sendable {
    /// What the model's call returned: an address, 0, or −errno.
    public var result: Int64
    /// The VMA created or first affected (`.none` when none).
    public var vma: VMAID
    /// Pages freed by the call (munmap, madvise DONTNEED, brk shrink).
    public var pagesFreed: UInt64
    /// Pages faulted in by the call (MAP_POPULATE, MAP_LOCKED, mlock).
    public var pagesPopulated: UInt64

    @inlinable public init(result: Int64, vma: VMAID, pagesFreed: UInt64, pagesPopulated: UInt64) {
        self.result = result; self.vma = vma; self.pagesFreed = pagesFreed; self.pagesPopulated = pagesPopulated
    }
    /// The errno when `result` is negative, else 0.
    @inlinable public var errno: Int32 { result < 0 && result > -4096 ? Int32(-result) : 0 }
}

/// The page cache's result for a file operation.
public struct FileOutcome: Hashable, Sendable {
    /// Pages of the range already in the page cache.
    public var pagesCached: UInt64
    /// Pages read from storage into the cache.
    public var pagesRead: UInt64
    /// Pages dirtied (write) or written back (fsync) or dropped (truncate, unlink).
    public var pagesChanged: UInt64

    @inlinable public init(pagesCached: UInt64, pagesRead: UInt64, pagesChanged: UInt64) {
        self.pagesCached = pagesCached; self.pagesRead = pagesRead; self.pagesChanged = pagesChanged
    }
}
