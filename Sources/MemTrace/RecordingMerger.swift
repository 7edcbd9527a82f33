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
    /// Fault samples merged as touches, and those left out because their process was not (or no
    /// longer) in the trace: a process the recorder does not follow, or faults after its exit.
    public var touches: UInt64 = 0
    public var touchesDropped: UInt64 = 0
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
    /// Calibration pairs taken by the recording command itself around the run (`calibrationPair`),
    /// so the tick rate is known even when each segment holds a single chunk.
    public var extraCalibrations: [TickCalibration] = []

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

    /// Tick ↔ nanosecond conversion from every calibration pair (a line through the extreme
    /// pairs; ticks are nanoseconds when the pairs agree 1:1).
    func clock() -> (origin: UInt64, toNanoseconds: (UInt64) -> UInt64, toTick: (UInt64) -> UInt64) {
        var pairs: [TickCalibration] = []
        for s in segments { pairs += s.calibrations }
        pairs += extraCalibrations
        let lo = pairs.min { $0.tick < $1.tick }, hi = pairs.max { $0.tick < $1.tick }
        var rate = 1.0
        if let lo, let hi, hi.tick > lo.tick, hi.nanoseconds > lo.nanoseconds {
            rate = Double(hi.nanoseconds - lo.nanoseconds) / Double(hi.tick - lo.tick)
        }
        let anchorTick = lo?.tick ?? 0, anchorNs = Double(lo?.nanoseconds ?? 0)
        return (anchorTick, { tick in
            let ns = anchorNs + (Double(tick) - Double(anchorTick)) * rate
            return ns <= 0 ? 0 : UInt64(ns)
        }, { ns in
            // Rounded up: a fault never sorts before the record stamped in the same tick.
            let tick = (Double(anchorTick) + (Double(ns) - anchorNs) / rate).rounded(.up)
            return tick <= 0 ? 0 : UInt64(tick)
        })
    }

    /// Writes the merged trace to `writer`'s destination; returns what was written.
    /// `header` is completed with the root's initial process before the writer is made.
    public func merge(header: TraceHeader, makeWriter: (TraceHeader) throws -> TraceWriter) throws -> (TraceWriter, RecordingSummary) {
        var summary = RecordingSummary()
        summary.segments = segments.count
        // A segment whose process went on to exec (a later generation exists) ended by design.
        summary.incompleteSegments = segments.filter { s in
            !s.complete && !segments.contains { $0.pid == s.pid && $0.generation > s.generation }
        }.map(\.path)
        var streams: [Stream] = []
        for (si, s) in segments.enumerated() {
            if let spool = accessSpool, s.pid == rootPid, s.generation == 0 {
                var stream = Stream(segment: si, cursor: nil, lackey: try LackeyRecordingStream(segment: s, spoolPath: spool), head: nil)
                try stream.advance()
                streams.append(stream)
                continue
            }
            for ti in s.threads.indices {
                var stream = Stream(segment: si, cursor: RecorderCursor(segment: s, thread: ti), lackey: nil, head: nil)
                try stream.advance()
                streams.append(stream)
            }
        }
        let tickClock = clock()
        var faults = FaultMergeQueue(segments: segments)
        if let faultSpool {
            faults.load(try FaultSpool.read(path: faultSpool), toTick: tickClock.toTick)
            var stream = Stream(segment: -1, cursor: nil, lackey: nil, head: nil, faults: true)
            stream.head = faults.next()
            streams.append(stream)
        }
        var header = header
        var state = RecordingConverter(rootPid: rootPid, segments: segments)
        state.rootStatus = rootStatus
        if let root = segments.first(where: { $0.pid == rootPid && $0.generation == 0 }) {
            header.processes = [state.initialProcess(root)]
            if let base = state.markerBase[root.path] { header.attributes["recorder.marker_base"] = String(base) }
        }
        header.attributes["recorder.segments"] = String(segments.count)
        header.attributes["recorder.time_resolution_ns"] = String(timeResolution)
        let writer = try makeWriter(header)
        let toNs = tickClock.toNanoseconds
        var origin: UInt64?
        var lastTime: [UInt64: UInt64] = [:]
        do {
            while true {
                var best = -1
                for i in streams.indices {
                    guard let h = streams[i].headTick else { continue }
                    if best < 0 || h < streams[best].headTick! { best = i }
                }
                guard best >= 0 else { break }
                let item = streams[best].head!
                if streams[best].faults {
                    streams[best].head = faults.next()
                } else {
                    try streams[best].advance()
                }
                let ns = toNs(Stream.tick(of: item))
                if origin == nil { origin = ns }
                var time = ns >= origin! ? ns - origin! : 0
                if timeResolution > 1 { time -= time % timeResolution }
                var converted: [(UInt32, UInt32, Event)]
                switch item {
                case .record(let raw, let tid):
                    let seg = segments[streams[best].segment]
                    summary.rawRecords += 1
                    converted = state.convert(raw, segment: seg, tid: tid, writer: writer)
                    if (raw.op == .exit || raw.op == .signal) && !converted.isEmpty {
                        converted = faults.exiting(pid: seg.pid, summary: &summary) + converted
                    }
                    // The first records of an image: faults its process took while the image
                    // started (ld.so, before the interposer ran) follow them.
                    if raw.op == .start { converted += faults.started(segment: streams[best].segment, pid: seg.pid, summary: &summary) }
                case .access(let access, let tid, _):
                    converted = [(segments[streams[best].segment].pid, tid, .access(access))]
                case .touch(let sample, _):
                    converted = faults.place(sample, alive: state.alive, summary: &summary)
                }
                for (pid, tid, event) in converted {
                    // Per-thread times never go backwards (the codec allows it, but readers expect order).
                    let key = UInt64(pid) << 32 | UInt64(tid)
                    let t = max(time, lastTime[key] ?? 0)
                    lastTime[key] = t
                    try writer.append(TraceRecord(time: t, pid: ProcessID(pid), tid: ThreadID(tid), event: event))
                    summary.events += 1
                    summary.kindCounts[event.kind, default: 0] += 1
                    summary.processes.insert(pid)
                    summary.threads.insert(tid)
                }
            }
            summary.touchesDropped += faults.heldCount()
            // The root killed without a chance to record its end (SIGKILL): its exit from waitpid.
            if let status = rootStatus, state.alive.contains(rootPid) {
                let event = Event.process(ProcessEvent(op: .exit, status: status))
                try writer.append(TraceRecord(time: lastTime.values.max() ?? 0, pid: ProcessID(rootPid),
                                              tid: ThreadID(rootPid), event: event))
                summary.events += 1
                summary.kindCounts[event.kind, default: 0] += 1
            }
        } catch {
            writer.abandon()
            throw error
        }
        return (writer, summary)
    }

    /// One thread of one segment, (lackey) a whole segment with its accesses, or the fault samples.
    struct Stream {
        var segment: Int
        var cursor: RecorderCursor?
        var lackey: LackeyRecordingStream?
        var head: LackeyRecordingStream.Item?
        /// True for the stream of fault samples (`FaultMergeQueue`), which has no segment.
        var faults = false

        mutating func advance() throws {
            if lackey != nil { head = try lackey!.next(); return }
            guard var c = cursor else { head = nil; return }
            let e = try c.next()
            cursor = c
            head = e.map { .record($0, tid: c.tid) }
        }

        static func tick(of item: LackeyRecordingStream.Item) -> UInt64 {
            switch item {
            case .record(let e, _): e.tick
            case .access(_, _, let t): t
            case .touch(_, let t): t
            }
        }

        var headTick: UInt64? { head.map { Stream.tick(of: $0) } }
    }
}
