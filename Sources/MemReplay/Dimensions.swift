import MemTrace
import MemModel

/// A process as the store's `processes` table holds it. Sent when the process appears and again,
/// complete, when it ends.
public struct ProcessRecord: Hashable, Sendable {
    public var pid: ProcessID
    public var parent: ProcessID
    public var image: String
    public var startSeq: UInt64
    /// 0 while the process lives.
    public var endSeq: UInt64
    public var exitStatus: Int32?

    public init(pid: ProcessID, parent: ProcessID, image: String, startSeq: UInt64, endSeq: UInt64 = 0,
                exitStatus: Int32? = nil) {
        self.pid = pid; self.parent = parent; self.image = image; self.startSeq = startSeq
        self.endSeq = endSeq; self.exitStatus = exitStatus
    }
}

/// A thread as the store's `threads` table holds it.
public struct ThreadRecord: Hashable, Sendable {
    public var tid: ThreadID
    public var pid: ProcessID
    public var startSeq: UInt64
    public var endSeq: UInt64

    public init(tid: ThreadID, pid: ProcessID, startSeq: UInt64, endSeq: UInt64 = 0) {
        self.tid = tid; self.pid = pid; self.startSeq = startSeq; self.endSeq = endSeq
    }
}

/// A virtual memory area as the store's `vmas` table holds it. Sent when created and again when
/// removed (with `endSeq` set); a split sends the shrunk part again and the new part as new.
public struct VMARecord: Hashable, Sendable {
    public var id: VMAID
    public var pid: ProcessID
    public var start: UInt64
    public var end: UInt64
    public var prot: Protection
    /// MAP_SHARED / MAP_PRIVATE / MAP_ANONYMOUS bits, as mmap takes them.
    public var flags: MapFlags
    public var file: FileID
    public var offset: UInt64
    /// `[heap]`, `[stack]`, a path, or empty.
    public var name: String
    public var startSeq: UInt64
    /// 0 while the VMA exists.
    public var endSeq: UInt64

    public init(id: VMAID, pid: ProcessID, start: UInt64, end: UInt64, prot: Protection, flags: MapFlags,
                file: FileID, offset: UInt64, name: String, startSeq: UInt64, endSeq: UInt64 = 0) {
        self.id = id; self.pid = pid; self.start = start; self.end = end; self.prot = prot; self.flags = flags
        self.file = file; self.offset = offset; self.name = name; self.startSeq = startSeq; self.endSeq = endSeq
    }
}

/// A file as the store's `files` table holds it (sent on open and when its size changes).
public struct FileRecord: Hashable, Sendable {
    public var id: FileID
    public var path: String
    public var size: UInt64

    public init(id: FileID, path: String, size: UInt64) { self.id = id; self.path = path; self.size = size }
}

/// One page fault the kernel model handled; an event can cause several (MAP_POPULATE, mlock).
public struct FaultRecord: Hashable, Sendable {
    public var seq: UInt64
    public var pid: ProcessID
    /// The faulting address rounded down to its page.
    public var address: UInt64
    public var kind: FaultKind
    public var vma: VMAID
    public var frame: PageFrameNumber
    /// The size of the page the fault mapped (2 MiB for THP faults).
    public var pageSize: PageSize
    /// Where the frame lives: NUMA node and zone type; −1 / nil when not in managed memory
    /// (the zero page, a failed fault).
    public var node: Int
    public var zone: ZoneType?
    /// The call stack of the event that took the fault (an allocation call's; `.none` when the
    /// event carries none).
    public var stack: StackID

    @inlinable public init(seq: UInt64, pid: ProcessID, address: UInt64, kind: FaultKind, vma: VMAID,
                           frame: PageFrameNumber, node: Int = -1, zone: ZoneType? = nil, stack: StackID = .none) {
        self.seq = seq; self.pid = pid; self.address = address; self.kind = kind; self.vma = vma; self.frame = frame
        self.pageSize = kind.pageSize; self.node = node; self.zone = zone; self.stack = stack
    }
}

/// A VMA created, changed or removed by an event (`vma_changes`): which VMAs a system call touched.
public struct VMAChangeRecord: Hashable, Sendable {
    public var seq: UInt64
    public var pid: ProcessID
    public var vma: VMAID
    public var removed: Bool
    @inlinable public init(seq: UInt64, pid: ProcessID, vma: VMAID, removed: Bool) {
        self.seq = seq; self.pid = pid; self.vma = vma; self.removed = removed
    }
}

/// Counter values at one point of the replay; `values[i]` belongs to the i-th name the engine
/// declared with `OutcomeSink.declareCounters`.
public struct CounterSnapshot: Hashable, Sendable {
    public var seq: UInt64
    public var time: UInt64
    public var values: [Int64]

    public init(seq: UInt64, time: UInt64, values: [Int64]) { self.seq = seq; self.time = time; self.values = values }
}

/// One process's memory at one point of the replay, in pages.
public struct ProcessSample: Hashable, Sendable {
    public var seq: UInt64
    public var pid: ProcessID
    public var rssAnon: UInt64
    public var rssFile: UInt64
    public var rssShmem: UInt64
    public var vmSize: UInt64

    public init(seq: UInt64, pid: ProcessID, rssAnon: UInt64, rssFile: UInt64, rssShmem: UInt64, vmSize: UInt64) {
        self.seq = seq; self.pid = pid; self.rssAnon = rssAnon; self.rssFile = rssFile
        self.rssShmem = rssShmem; self.vmSize = vmSize
    }
}

/// A named summary figure of a run (`vmstat.pgfault`, `meminfo.AnonPages`, `events.total`, …).
public struct Metric: Hashable, Sendable {
    public var name: String
    public var value: Double

    public init(_ name: String, _ value: Double) { self.name = name; self.value = value }
}

/// What the store's `runs` table holds about a replay.
public struct RunInfo: Hashable, Sendable {
    public var toolVersion: String
    public var tracePath: String
    /// A content hash of the trace file (`fnv1a64:<16 hex digits>`).
    public var traceHash: String
    /// The fully resolved configuration, as JSON.
    public var configurationJSON: String
    /// The trace header, as JSON.
    public var traceHeaderJSON: String
    /// Wall-clock start of the replay (seconds since the epoch). Not part of any outcome table.
    public var startedAt: Double
    /// The user-space model: empty when malloc calls replay as recorded, else the allocator
    /// model's name (`--allocator`), with `/report` in report mode.
    public var userModel: String = ""

    public init(toolVersion: String, tracePath: String, traceHash: String, configurationJSON: String,
                traceHeaderJSON: String, startedAt: Double) {
        self.toolVersion = toolVersion; self.tracePath = tracePath; self.traceHash = traceHash
        self.configurationJSON = configurationJSON; self.traceHeaderJSON = traceHeaderJSON; self.startedAt = startedAt
    }
}
