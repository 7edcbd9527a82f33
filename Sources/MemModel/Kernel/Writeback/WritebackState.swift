import MemTrace

/// The writeback subsystem's own state: the policy in force, the virtual clock it runs on, the
/// disk's queue of write requests in flight, the flusher's pending work and timer, the dirty
/// throttling state of the writeback context and domain (`bdi->wb`, `global_wb_domain`) and of
/// each task, and the counters (fs/fs-writeback.c, mm/page-writeback.c, Linux 6.1).
///
/// Which pages are dirty or under writeback is the page cache's (`PageCache`); this type keeps
/// when their I/O completes. The kernel drives it (`LinuxKernel+Writeback`): pages dirtied are
/// accounted here (`folio_account_dirtied`), writers are paused by `balance_dirty_pages`, and the
/// flusher's work and the disk's completions happen on the virtual clock when the kernel sees
/// the clock pass their time (lazily, at the next event, in time order).
///
/// The disk serves one request at a time, first in first out, at `policy.writeBandwidth`; a
/// request is at most `requestPages` (the model's stand-in for the block layer's request size).
public struct WritebackState: Sendable {
    /// One write request in flight: pages of one file, done at `completes` (virtual ns).
    public struct Request: Hashable, Sendable {
        public var completes: UInt64
        public var file: FileID
        public var pages: [UInt64]
    }

    /// A task's throttling state (`task_struct`'s `nr_dirtied`, `nr_dirtied_pause`,
    /// `dirty_paused_when`, the latter in jiffies, 0 for never).
    public struct Task: Hashable, Sendable {
        public var nrDirtied: Int64 = 0
        public var nrDirtiedPause: Int64 = 128 >> (12 - 10)
        public var dirtyPausedWhen: Int64 = 0
    }

    /// The writeback event counters.
    public struct Statistics: Hashable, Sendable {
        /// NR_DIRTIED: pages that went from clean to dirty (`folio_account_dirtied`).
        public var nrDirtied: UInt64 = 0
        /// NR_WRITTEN: pages whose writeback completed (`__folio_end_writeback`).
        public var nrWritten: UInt64 = 0
        /// `balance_dirty_pages` sleeps and their total length in virtual ns.
        public var pauses: UInt64 = 0
        public var pausedNanoseconds: UInt64 = 0
        /// Flusher work done, by reason: chunks written for background, periodic (kupdate) and
        /// write-everything (`WB_REASON_VMSCAN`, `wakeup_flusher_threads`) work.
        public var backgroundChunks: UInt64 = 0
        public var periodicChunks: UInt64 = 0
        public var startAllChunks: UInt64 = 0
        public init() {}
    }

    /// Pages per write request (1 MiB).
    public static let requestPages = 256

    public private(set) var policy: WritebackPolicy
    /// The subsystem's virtual time (ns): the trace's clock, or later while a task is paused or
    /// waits for its I/O (events after a pause happen no earlier than its end).
    public internal(set) var now: UInt64 = 0
    /// When the disk finishes the last request queued.
    public private(set) var deviceFreeAt: UInt64 = 0
    /// Requests in flight, in completion order.
    public private(set) var inflight: [Request] = []
    /// The completion time of the flusher's last request: it continues its work then.
    public internal(set) var flusherBusyUntil: UInt64?
    /// When the flusher's delayed wake-up fires (`wb_wakeup_delayed`): the periodic check.
    public internal(set) var nextPeriodic: UInt64?
    /// Work queued for the flusher: background writeback (`wb_start_background_writeback`),
    /// the periodic flush of expired inodes (`wb_check_old_data_flush`), and pages left of a
    /// write-everything request (`wb_start_writeback`).
    public internal(set) var backgroundQueued = false
    public internal(set) var periodicQueued = false
    public internal(set) var startAllPages: UInt64 = 0
    /// `global_wb_domain.dirty_limit` and its update time (jiffies).
    public internal(set) var dirtyLimit: UInt64 = 0
    public internal(set) var dirtyLimitStamp: Int64 = 0
    /// `wb->dirty_ratelimit`, `wb->balanced_dirty_ratelimit` (pages/s).
    public internal(set) var dirtyRatelimit = DirtyThrottle.initBandwidth
    public internal(set) var balancedDirtyRatelimit = DirtyThrottle.initBandwidth
    /// `wb->bw_time_stamp` (jiffies), `dirtied_stamp`, `written_stamp`.
    public internal(set) var bandwidthStamp: Int64 = 0
    public internal(set) var dirtiedStamp: UInt64 = 0
    public internal(set) var writtenStamp: UInt64 = 0
    /// `wb->dirty_exceeded`.
    public internal(set) var dirtyExceeded = false
    /// `bdp_ratelimits` (one counter: the model does not place tasks on CPUs).
    public internal(set) var cpuDirtied: UInt64 = 0
    /// `ratelimit_pages` (`writeback_set_ratelimit`).
    public internal(set) var ratelimitPages: UInt64
    public internal(set) var tasks: [ProcessID: Task] = [:]
    public internal(set) var stats = Statistics()

    public init(policy: WritebackPolicy, ratelimitPages: UInt64) {
        self.policy = policy
        self.ratelimitPages = ratelimitPages
    }

    /// The disk's bandwidth in pages per second (`wb->avg_write_bandwidth`; the kernel's
    /// estimate converges to the device's rate, the model takes the rate).
    public var writeBandwidthPages: UInt64 { max(policy.writeBandwidth / Page.size, 1) }

    /// The virtual time in jiffies.
    public var jiffies: Int64 { Int64(now / DirtyThrottle.nsPerJiffy) }

    /// The earliest time something is due: a request's completion or the periodic wake-up.
    @inlinable public var nextDeadline: UInt64 { min(inflight.first?.completes ?? .max, nextPeriodic ?? .max) }

    /// The periodic interval in ns; nil when vm.dirty_writeback_centisecs is 0.
    var periodicInterval: UInt64? { policy.writebackCentisecs == 0 ? nil : policy.writebackCentisecs * 10_000_000 }

    /// Applies a vm.dirty_* sysctl from a control event; true when it was one of them.
    mutating func applySysctl(_ key: String, _ value: Int64) -> Bool { policy.apply(key, value) }

    /// Queues `pages` of `file` at the disk at time `at`, split into requests served one after
    /// another at the bandwidth. Returns when the last completes.
    mutating func submit(_ file: FileID, _ pages: [UInt64], at: UInt64) -> UInt64 {
        let bytesPerSecond = policy.writeBandwidth
        var i = 0
        while i < pages.count {
            let n = min(WritebackState.requestPages, pages.count - i)
            let start = max(at, deviceFreeAt)
            let duration = (UInt64(n) * Page.size * 1_000_000_000 + bytesPerSecond - 1) / bytesPerSecond
            deviceFreeAt = start + duration
            inflight.append(Request(completes: deviceFreeAt, file: file, pages: Array(pages[i..<i + n])))
            i += n
        }
        return deviceFreeAt
    }

    /// Takes the first request in flight (the disk completed it).
    mutating func takeCompleted() -> Request { inflight.removeFirst() }

    /// When the last request in flight holding pages of `file` completes; nil when none does.
    func lastCompletion(of file: FileID) -> UInt64? { inflight.last { $0.file == file }?.completes }

    /// The subsystem's own invariants: requests in completion order, none after the disk is
    /// free, none empty; the flusher busy only until a time a request completes.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        for (a, b) in zip(inflight, inflight.dropFirst()) where a.completes > b.completes {
            problems.append("writeback requests out of order: \(a.completes) before \(b.completes)")
            break
        }
        if let last = inflight.last, last.completes > deviceFreeAt {
            problems.append("a request completes at \(last.completes), after the disk is free at \(deviceFreeAt)")
        }
        if inflight.contains(where: { $0.pages.isEmpty }) { problems.append("an empty write request is in flight") }
        if let busy = flusherBusyUntil, !inflight.contains(where: { $0.completes == busy }) {
            problems.append("the flusher waits for a request completing at \(busy), which is not in flight")
        }
        return problems
    }
}
