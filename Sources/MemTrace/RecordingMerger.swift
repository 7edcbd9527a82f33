#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a merge found, for the summary line and the tests.
public struct RecordingSummary: Sendable {
    /// Events written, per kind.
    public var kindCounts: [EventKind: UInt64] = [:]
    public var events: UInt64 = 0
    public var processes: Set<UInt32> = []
    public var threads: Set<UInt32> = []
    public var segments = 0
    /// Segments whose zstd stream was not ended (the process was killed or is still running).
    public var incompleteSegments: [String] = []
    /// Raw records read from the segments (before mapping onto the event vocabulary).
    public var rawRecords: UInt64 = 0
    /// Fault samples merged as touches, and those left out: of processes the interposer did not
    /// record (not followed), or of images that never started (static or setuid binaries).
    public var touches: UInt64 = 0
    public var touchesDropped: UInt64 = 0
    /// The recorder's own mappings (zstd's workspace, thread buffers) mapped when perf reported
    /// them, so the faults the recorder took in them replay (`FaultMergeQueue.OwnMapping`).
    public var recorderMappings = 0
    /// Call stacks (`record --stacks`): stack nodes and objects in the trace, allocation events
    /// whose stack id named no node (made `.none`), and the unwinders' counters.
    public var stackNodes = 0
    public var stackObjects = 0
    public var unresolvedStacks: UInt64 = 0
    public var unwind = UnwindCounters()
    /// The call stacks of page faults (`record --stacks fp|dwarf`): touches given one, stacks and
    /// frames made, how the `.eh_frame` walks ended.
    public var faultStacks = FaultStackCounters()
}

/// Merges the interposer's per-process raw segments into one trace, in time order.
///
/// Each (segment, thread) stream is kept in its own order and the streams are merged by time
/// stamp (ties: earlier segment, then thread order), so a fork precedes its child's events, an
/// exec the new image's, and a free stamped before the call precedes the allocation on another
/// thread that reuses the block. Raw records map onto the event vocabulary as `recorder.h`
/// documents; the root's first image goes into the header with its /proc/PID/maps, later images
/// (exec) and processes the trace did not fork become `spawn`/`exec` plus `region` events.
public struct RecordingMerger {
    public var segments: [RecorderSegment]
    public var rootPid: UInt32
    /// Exit status of the root as waitpid reported it (negated signal number when killed).
    public var rootStatus: Int32?
    /// Trace times are rounded down to a multiple of this many nanoseconds (1 keeps them exact).
    public var timeResolution: UInt64 = 1
    /// `--accesses lackey`: the `LackeyAccessCollector` spool of the root's first image, whose
    /// records are then placed in program order among its accesses.
    public var accessSpool: String?
    /// `--accesses faults`: the `FaultSpool` of every page fault of the tree, merged by time as
    /// fault-derived touches (`FaultMergeQueue`).
    public var faultSpool: String?
    /// Calibration pairs taken by the recording command itself around the run
    /// (`TickCalibration.now()`), so the tick rate is known even when each segment holds a single chunk.
    public var extraCalibrations: [TickCalibration] = []
    /// The rate fixed before the run, checked at its end (`RecordingClock`): when it agrees, times
    /// come from it; otherwise (or without one) from the line through the extreme pairs.
    public var clock: RecordingClock?
    /// Called after every `progressEvery`th event written (a power of two) and once at the end
    /// with where the merge is; the command line turns it into a progress line. Nil: no cost
    /// beyond one test per event.
    public var progress: ((RecordingProgress) -> Void)?
    public var progressEvery: UInt64 = 65_536
    /// Frames kept per page-fault call stack: the recording's `record --stack-depth`
    /// (`recorder.stack_depth`, `RecordingConversion.convert`).
    public var faultStackDepth = FaultStackResolver.defaultDepth

    public init(segments: [RecorderSegment], rootPid: UInt32, rootStatus: Int32?) {
        self.segments = segments.sorted { ($0.pid, $0.generation) < ($1.pid, $1.generation) }
        self.rootPid = rootPid
        self.rootStatus = rootStatus
    }

    /// Reads every `p*.mrr` segment in `directory`.
    public static func loadSegments(directory: String) throws -> [RecorderSegment] {
        guard let dir = opendir(directory) else {
            throw TraceError.io(source: directory, offset: 0, detail: "cannot read the recording directory")
        }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix("p") && name.hasSuffix(".mrr") { names.append(name) }
        }
        closedir(dir)
        return try names.sorted().map { try RecorderSegment(path: directory + "/" + $0) }
    }

    /// Writes the merged trace to `writer`'s destination; returns what was written.
    /// `header` is completed with the root's initial process before the writer is made.
    public func merge(header: TraceHeader, makeWriter: (TraceHeader) throws -> TraceWriter) throws -> (TraceWriter, RecordingSummary) {
        let clock = self.clock.flatMap { $0.agrees ? $0.fixed : nil } ?? TickClock(segments: segments, extra: extraCalibrations)
        let run = RecordingMergeRun(rootPid: rootPid, clock: clock, timeResolution: timeResolution)
        run.progress = progress
        run.progressEvery = progressEvery
        for s in segments {
            if let spool = accessSpool, s.pid == rootPid, s.generation == 0 {
                try run.add(s, lackey: try LackeyRecordingStream(segment: s, spoolPath: spool))
            } else {
                try run.add(s)
            }
        }
        if let faultSpool {
            var samples = try FaultSpool.read(path: faultSpool)
            let stacks = try FaultStackSpool.read(path: faultSpool + ".stacks")
            try FaultStackSpool.number(&samples, records: stacks.recordOf.count, source: faultSpool + ".stacks")
            try run.loadFaults(samples: samples, mappings: try PerfMapping.readAll(path: faultSpool + ".mappings"), stacks: stacks,
                               depth: faultStackDepth)
        }
        var header = header
        run.completeHeader(&header, clockAttributes: self.clock?.attributes ?? ["recorder.clock": "fitted"])
        let writer = try makeWriter(header)
        run.writer = writer
        do {
            try run.mergeAll()
            return (writer, try run.finish(rootStatus: rootStatus))
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// One input of the merge with the time of its next item: one thread of one segment, or
    /// (lackey) a whole segment with its accesses.
    struct Stream {
        /// Where the items come from (the source's own state is in `cursor` or `lackey`).
        enum Source { case thread, lackey, faults }

        var segment: Int
        var pid: UInt32
        /// The thread of the stream's own records (the segment's process for lackey streams).
        var tid: UInt32
        var source: Source
        var cursor: RecorderCursor?
        var lackey: LackeyRecordingStream?
        var head: LackeyRecordingStream.Item?
        /// The head's tick, `UInt64.max` when the stream has ended.
        var headTick: UInt64 = .max
        /// The (pid, tid) slot in `ThreadTimes`.
        var slot = 0
        /// The stream's thread index in its segment (the merge order at equal ticks is segment,
        /// then this), and the generation of its segment.
        var thread = 0
        var generation = 0
        /// The tick of the last item taken from the stream, and whether it has yielded one.
        var lastTick: UInt64 = 0
        var yielded = false
        /// The thread's `threadExit` was taken: nothing more is expected.
        var ended = false

        init(segment: Int, pid: UInt32, cursor: RecorderCursor) {
            self.segment = segment; self.pid = pid; self.tid = cursor.tid; self.source = .thread; self.cursor = cursor
        }

        /// The stream of fault samples (`FaultMergeQueue`, advanced by the merge itself); `segment`
        /// is past the last segment, so the stream sorts after every segment's at equal ticks.
        init(faultsAfter segment: Int) {
            self.segment = segment; self.pid = 0; self.tid = 0; self.source = .faults
        }

        init(segment: Int, pid: UInt32, lackey: LackeyRecordingStream) {
            self.segment = segment; self.pid = pid; self.tid = pid; self.source = .lackey; self.lackey = lackey
        }

        /// Reads the next item into `head` (both sources are advanced in place).
        @inline(__always) mutating func advance() throws {
            switch source {
            case .thread:
                if let e = try cursor!.next() {
                    head = .record(e, tid: tid); headTick = e.tick
                } else {
                    head = nil; headTick = .max
                }
            case .lackey:
                head = try lackey!.next()
                headTick = head.map { Stream.tick(of: $0) } ?? .max
            case .faults:
                break  // the merge advances it from its FaultMergeQueue
            }
        }

        @inline(__always) static func tick(of item: LackeyRecordingStream.Item) -> UInt64 {
            switch item {
            case .record(let e, _): e.tick
            case .access(_, _, let t): t
            case .touch(_, let t): t
            }
        }
    }
}
