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
    /// Called after every `progressEvery`th event written (a power of two) and once at the end
    /// with where the merge is; the command line turns it into a progress line. Nil: no cost
    /// beyond one test per event.
    public var progress: ((RecordingProgress) -> Void)?
    public var progressEvery: UInt64 = 65_536

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
        var summary = RecordingSummary()
        summary.segments = segments.count
        // A segment whose process went on to exec (a later generation exists) ended by design.
        summary.incompleteSegments = segments.filter { s in
            !s.complete && !segments.contains { $0.pid == s.pid && $0.generation > s.generation }
        }.map(\.path)
        var streams: [Stream] = []
        for (si, s) in segments.enumerated() {
            if let spool = accessSpool, s.pid == rootPid, s.generation == 0 {
                var stream = Stream(segment: si, pid: s.pid, lackey: try LackeyRecordingStream(segment: s, spoolPath: spool))
                try stream.advance()
                streams.append(stream)
                continue
            }
            for ti in s.threads.indices {
                var stream = Stream(segment: si, pid: s.pid, cursor: RecorderCursor(segment: s, thread: ti))
                try stream.advance()
                streams.append(stream)
            }
        }
        let clock = TickClock(segments: segments, extra: extraCalibrations)
        var faults = FaultMergeQueue(segments: segments)
        if let faultSpool {
            faults.load(try FaultSpool.read(path: faultSpool), toTick: clock.tick)
            faults.loadMappings(try PerfMapping.readAll(path: faultSpool + ".mappings"), toTick: clock.tick)
            var stream = Stream(faultsAfter: segments.count)
            stream.head = faults.next()
            stream.headTick = stream.head.map { Stream.tick(of: $0) } ?? .max
            streams.append(stream)
        }
        // The raw input in bytes, and how much of it the streams consumed (`RecordingProgress`).
        var inputTotal = faults.spoolBytes
        for s in segments { inputTotal += s.payloadBytes }
        for st in streams { inputTotal += st.lackey?.spoolBytes ?? 0 }
        let progressMask = progress == nil ? UInt64.max : max(1, progressEvery) - 1
        func report(_ streams: [Stream], _ faults: FaultMergeQueue, _ events: UInt64) {
            var done = faults.consumedBytes
            for st in streams { done += st.cursor?.consumedBytes ?? st.lackey?.consumedBytes ?? 0 }
            progress?(RecordingProgress(events: events, inputDone: min(done, inputTotal), inputTotal: inputTotal))
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
        var origin: UInt64 = 0, hasOrigin = false
        // Per-thread times never go backwards (the codec allows it, but readers expect order): the
        // last time of each (pid, tid), in a slot each stream knows; other threads (a thread
        // start is its creator's event) find theirs by key.
        var threads = ThreadTimes()
        for i in streams.indices { streams[i].slot = threads.slot(pid: streams[i].pid, tid: streams[i].tid) }
        let kindCounts = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        kindCounts.initialize(repeating: 0, count: 256)
        defer { kindCounts.deallocate() }
        var converted: [(UInt32, UInt32, Event)] = []
        converted.reserveCapacity(64)
        // Time rounding: the last multiple of `timeResolution` (records come close together).
        var roundedBase: UInt64 = 0
        let resolution = timeResolution
        do {
            while true {
                var best = -1, bestTick = UInt64.max
                for i in streams.indices where streams[i].headTick < bestTick {
                    best = i; bestTick = streams[i].headTick
                }
                if best < 0 {
                    // Every stream ended, or the remaining heads all carry the largest tick.
                    guard let i = streams.firstIndex(where: { $0.head != nil }) else { break }
                    best = i
                }
                let item = streams[best].head!
                if streams[best].source == .faults {
                    streams[best].head = faults.next()
                    streams[best].headTick = streams[best].head.map { Stream.tick(of: $0) } ?? .max
                } else {
                    try streams[best].advance()
                }
                let ns = clock.nanoseconds(Stream.tick(of: item))
                if !hasOrigin { origin = ns; hasOrigin = true }
                var time = ns >= origin ? ns - origin : 0
                if resolution > 1 {
                    if time >= roundedBase && time - roundedBase < resolution { time = roundedBase } else {
                        time -= time % resolution
                        roundedBase = time
                    }
                }
                let si = streams[best].segment, slot = streams[best].slot
                if case .record(let raw, let tid) = item, let event = RecordingConverter.simpleEvent(raw) {
                    if faults.hasOpenMappings, case .memory(let m) = event { faults.claim(streams[best].pid, m) }
                    // The hot path: one event of the stream's own thread, no converter state.
                    summary.rawRecords += 1
                    let t = threads.advance(tid == streams[best].tid ? slot : threads.slot(pid: streams[best].pid, tid: tid), to: time)
                    try writer.append(TraceRecord(time: t, pid: ProcessID(streams[best].pid), tid: ThreadID(tid), event: event))
                    summary.events += 1
                    kindCounts[Int(event.kind.rawValue)] &+= 1
                    if summary.events & progressMask == 0 { report(streams, faults, summary.events) }
                    continue
                }
                if !converted.isEmpty { converted.removeAll(keepingCapacity: true) }
                switch item {
                case .record(let raw, let tid):
                    summary.rawRecords += 1
                    let before = converted.count
                    state.convert(raw, segment: segments[si], tid: tid, writer: writer, into: &converted)
                    if raw.op == .start {
                        // The first records of an image: faults its process took while the image
                        // started (ld.so, before the interposer ran) follow them.
                        converted += faults.started(segment: si, pid: segments[si].pid, summary: &summary)
                    } else if (raw.op == .exit || raw.op == .signal) && converted.count > before {
                        // Faults after the exit call was stamped (atexit handlers, teardown) come before the exit.
                        var late: [(UInt32, UInt32, Event)] = []
                        for item in faults.exiting(pid: segments[si].pid, summary: &summary) {
                            switch item {
                            case .touch(let e): late.append(e)
                            case .region(let pid, let tid, let region):
                                state.regionEvents([region], pid: pid, tid: tid, flags: MapFlags.fixedNoReplace.rawValue,
                                                   writer: writer, out: &late)
                            }
                        }
                        converted.insert(contentsOf: late, at: before)
                    }
                case .access(let access, let tid, _):
                    converted.append((segments[si].pid, tid, .access(access)))
                case .touch(let sample, let tick):
                    let events = faults.place(sample, tick: tick, alive: state.alive, summary: &summary)
                    // A mapping the interposer did not see (made behind the PLT), first needed now.
                    for r in faults.regionsToMap {
                        state.regionEvents([r.region], pid: r.pid, tid: r.tid, flags: MapFlags.fixedNoReplace.rawValue,
                                           writer: writer, out: &converted)
                    }
                    faults.regionsWritten()
                    converted += events
                }
                if faults.hasOpenMappings {
                    for (pid, _, event) in converted { if case .memory(let m) = event { faults.claim(pid, m) } }
                }
                for (pid, tid, event) in converted {
                    let own = pid == streams[best].pid && tid == streams[best].tid
                    let k = own ? slot : threads.slot(pid: pid, tid: tid)
                    let t = threads.advance(k, to: time)
                    try writer.append(TraceRecord(time: t, pid: ProcessID(pid), tid: ThreadID(tid), event: event))
                    summary.events += 1
                    kindCounts[Int(event.kind.rawValue)] &+= 1
                    if summary.events & progressMask == 0 { report(streams, faults, summary.events) }
                }
            }
            if progress != nil { report(streams, faults, summary.events) }
            summary.touchesDropped += faults.heldCount()
            summary.recorderMappings = faults.ownMapped
            threads.collect(into: &summary)
            for kind in 0..<256 where kindCounts[kind] > 0 {
                summary.kindCounts[EventKind(rawValue: UInt8(kind))!] = kindCounts[kind]
            }
            // The root killed without a chance to record its end (SIGKILL): its exit from waitpid.
            if let status = rootStatus, state.alive.contains(rootPid) {
                let event = Event.process(ProcessEvent(op: .exit, status: status))
                try writer.append(TraceRecord(time: threads.latest, pid: ProcessID(rootPid),
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
