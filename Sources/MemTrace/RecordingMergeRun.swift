/// One merge of raw segments into a trace, item by item: the state `RecordingMerger` keeps between
/// the items it writes, so the merge after exit and the one that follows the program
/// (`RecordingFollower`) take the same steps and write the same bytes.
///
/// Streams are kept in merge order (segment by pid and generation, then the segment's thread
/// order; the fault stream last); of the streams' heads the one with the smallest tick goes next,
/// the first in that order on a tie.
///
/// The per-item state is exempt from dynamic exclusivity checks (one thread uses a run, and the
/// checks cost more than a simple item), as in `TraceWriter`.
final class RecordingMergeRun {
    let rootPid: UInt32
    let clock: TickClock
    /// The segments by the index streams name them with (the order they were added in); read once
    /// per event, so exempt from the dynamic exclusivity check (one thread uses a run).
    @exclusivity(unchecked) private(set) var segments: [RecorderSegment] = []
    @exclusivity(unchecked) var streams: [RecordingMerger.Stream] = []
    @exclusivity(unchecked) var faults = FaultMergeQueue(segments: [])
    /// The call stacks of the fault samples (`record --stacks fp|dwarf`), when captured.
    var faultStacks: FaultStackResolver?
    @exclusivity(unchecked) var state: RecordingConverter
    @exclusivity(unchecked) var writer: TraceWriter!
    @exclusivity(unchecked) var summary = RecordingSummary()
    var progress: ((RecordingProgress) -> Void)?
    var progressEvery: UInt64 = 65_536
    @exclusivity(unchecked) private var progressMask = UInt64.max
    @exclusivity(unchecked) private var threads = ThreadTimes()
    private let kindCounts: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) private var converted: [(UInt32, UInt32, Event)] = []
    @exclusivity(unchecked) private var origin: UInt64 = 0, hasOrigin = false
    /// Time rounding: the last multiple of `resolution` (records come close together).
    @exclusivity(unchecked) private var roundedBase: UInt64 = 0
    private let resolution: UInt64

    init(rootPid: UInt32, clock: TickClock, timeResolution: UInt64) {
        self.rootPid = rootPid
        self.clock = clock
        self.resolution = timeResolution
        self.state = RecordingConverter(rootPid: rootPid, segments: [])
        kindCounts = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        kindCounts.initialize(repeating: 0, count: 256)
        converted.reserveCapacity(64)
    }

    deinit { kindCounts.deallocate() }

    /// The index of `s`, adding it (with its first maps text) when new.
    @discardableResult func index(of s: RecorderSegment) -> Int {
        if let i = segments.firstIndex(where: { $0 === s }) { return i }
        segments.append(s)
        state.add(s)
        if s.pid == rootPid && s.generation == 0 { _ = state.initialProcess(s) }
        return segments.count - 1
    }

    /// Adds the thread streams of `s` not yet in the merge, each at its place in merge order;
    /// returns the positions of those that start with an item.
    @discardableResult func add(_ s: RecorderSegment) throws -> [Int] {
        let si = index(of: s)
        var added: [Int] = []
        for ti in s.threads.indices where !streams.contains(where: { $0.segment == si && $0.thread == ti && $0.source == .thread }) {
            var stream = RecordingMerger.Stream(segment: si, pid: s.pid, cursor: RecorderCursor(segment: s, thread: ti))
            stream.thread = ti
            stream.generation = s.generation
            stream.slot = threads.slot(pid: stream.pid, tid: stream.tid)
            try stream.advance()
            let at = streams.firstIndex { other in
                other.source == .faults || (other.pid, other.generation, other.thread) > (s.pid, s.generation, ti)
            } ?? streams.count
            streams.insert(stream, at: at)
            for i in added.indices where added[i] >= at { added[i] += 1 }
            added.append(at)
        }
        return added
    }

    /// Adds the root's first image as one lackey stream (its records among its accesses).
    func add(_ s: RecorderSegment, lackey: LackeyRecordingStream) throws {
        var stream = RecordingMerger.Stream(segment: index(of: s), pid: s.pid, lackey: lackey)
        stream.generation = s.generation
        stream.slot = threads.slot(pid: stream.pid, tid: stream.tid)
        try stream.advance()
        streams.append(stream)
    }

    /// Loads the fault samples and perf's mappings as the last stream (after every segment was added).
    /// `stacks`: the samples' call-stack records (`FaultStackSpool`; their positions set in the samples).
    /// `depth`: frames kept per fault stack (`record --stack-depth`).
    func loadFaults(samples: [FaultSample], mappings: [PerfMapping], stacks: FaultStackSpool? = nil,
                    depth: Int = FaultStackResolver.defaultDepth) throws {
        if let stacks, !stacks.recordOf.isEmpty {
            faultStacks = FaultStackResolver(spool: stacks, samples: samples, maxFrames: depth)
        }
        faults = FaultMergeQueue(segments: segments)
        faults.load(samples, toTick: clock.tick)
        faults.loadMappings(mappings, toTick: clock.tick)
        var stream = RecordingMerger.Stream(faultsAfter: segments.count)
        stream.head = faults.next()
        stream.headTick = stream.head.map { RecordingMerger.Stream.tick(of: $0) } ?? .max
        stream.slot = threads.slot(pid: 0, tid: 0)
        streams.append(stream)
    }

    /// The header's root process and the recorder's attributes.
    func completeHeader(_ header: inout TraceHeader, clockAttributes: [String: String]) {
        if let root = segments.first(where: { $0.pid == rootPid && $0.generation == 0 }) {
            var probe = RecordingConverter(rootPid: rootPid, segments: [root])
            header.processes = [probe.initialProcess(root)]
            if let base = probe.markerBase[root.path] { header.attributes["recorder.marker_base"] = String(base) }
        }
        header.attributes["recorder.segments"] = String(segments.count)
        header.attributes["recorder.time_resolution_ns"] = String(resolution)
        for (k, v) in clockAttributes { header.attributes[k] = v }
    }

    /// The stream whose head goes next, or nil when every stream has ended.
    @inline(__always) func next() -> Int? {
        var best = -1, bestTick = UInt64.max
        for i in streams.indices where streams[i].headTick < bestTick {
            best = i; bestTick = streams[i].headTick
        }
        if best < 0 {
            // Every stream ended, or the remaining heads all carry the largest tick.
            return streams.firstIndex(where: { $0.head != nil })
        }
        return best
    }

    /// Merges every item left.
    func mergeAll() throws {
        progressMask = progress == nil ? UInt64.max : max(1, progressEvery) - 1
        while let best = next() { try emit(best) }
    }

    /// Writes the head of stream `best` (the events its item becomes) and advances the stream.
    func emit(_ best: Int) throws {
        // One exclusive access to the stream (one uniqueness check of the array, not four).
        let item = try take(&streams[best])
        let itemTick = RecordingMerger.Stream.tick(of: item)
        let ns = clock.nanoseconds(itemTick)
        if !hasOrigin { origin = ns; hasOrigin = true }
        var time = ns >= origin ? ns - origin : 0
        if resolution > 1 {
            if time >= roundedBase && time - roundedBase < resolution { time = roundedBase } else {
                time -= time % resolution
                roundedBase = time
            }
        }
        let si = streams[best].segment, slot = streams[best].slot
        if case .record(let raw, let tid) = item, var event = RecordingConverter.simpleEvent(raw) {
            event = state.stacks.translate(event, in: segments[si])
            if faults.hasOpenMappings, case .memory(let m) = event { faults.claim(streams[best].pid, m) }
            // The hot path: one event of the stream's own thread, no converter state.
            summary.rawRecords += 1
            let t = threads.advance(tid == streams[best].tid ? slot : threads.slot(pid: streams[best].pid, tid: tid), to: time)
            try writer.append(TraceRecord(time: t, pid: ProcessID(streams[best].pid), tid: ThreadID(tid), event: event))
            summary.events += 1
            kindCounts[Int(event.kind.rawValue)] &+= 1
            if summary.events & progressMask == 0 { report() }
            return
        }
        if !converted.isEmpty { converted.removeAll(keepingCapacity: true) }
        switch item {
        case .record(let raw, let tid):
            summary.rawRecords += 1
            if raw.op == .threadExit && tid == streams[best].tid { streams[best].ended = true }
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
                    case .region(let pid, let tid, let region, let flags):
                        state.regionEvents([region], pid: pid, tid: tid, flags: MapFlags.fixedNoReplace.rawValue | flags.rawValue,
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
                state.regionEvents([r.region], pid: r.pid, tid: r.tid, flags: MapFlags.fixedNoReplace.rawValue | r.flags.rawValue,
                                   writer: writer, out: &converted)
            }
            faults.regionsWritten()
            converted += events
        }
        if faults.hasOpenMappings {
            for (pid, _, event) in converted { if case .memory(let m) = event { faults.claim(pid, m) } }
        }
        for (pid, tid, var event) in converted {
            if let faultStacks, case .access(var a) = event, a.kind.isTouch, a.stack != .none {
                a.stack = faultStacks.resolve(a.stack, pid: pid, tick: itemTick, stacks: state.stacks, writer: writer)
                event = .access(a)
            }
            let own = pid == streams[best].pid && tid == streams[best].tid
            let k = own ? slot : threads.slot(pid: pid, tid: tid)
            let t = threads.advance(k, to: time)
            try writer.append(TraceRecord(time: t, pid: ProcessID(pid), tid: ThreadID(tid), event: event))
            summary.events += 1
            kindCounts[Int(event.kind.rawValue)] &+= 1
            if summary.events & progressMask == 0 { report() }
        }
    }

    /// The head of `stream`, which moves on to its next item.
    @inline(__always) private func take(_ stream: inout RecordingMerger.Stream) throws -> LackeyRecordingStream.Item {
        let item = stream.head!
        if stream.source == .faults {
            stream.head = faults.next()
            stream.headTick = stream.head.map { RecordingMerger.Stream.tick(of: $0) } ?? .max
        } else {
            try stream.advance()
        }
        stream.lastTick = RecordingMerger.Stream.tick(of: item)
        stream.yielded = true
        return item
    }

    /// Where the merge is, for `progress`.
    private func report() {
        var total = faults.spoolBytes, done = faults.consumedBytes
        for s in segments { total += s.payloadBytes }
        for st in streams {
            total += st.lackey?.spoolBytes ?? 0
            done += st.cursor?.consumedBytes ?? st.lackey?.consumedBytes ?? 0
        }
        progress?(RecordingProgress(events: summary.events, inputDone: min(done, total), inputTotal: total))
    }

    /// Ends the merge: the summary's totals and, for a root killed without its exit record, its
    /// exit from waitpid's `rootStatus`.
    func finish(rootStatus: Int32?) throws -> RecordingSummary {
        if progress != nil { report() }
        summary.segments = segments.count
        // A segment whose process went on to exec (a later generation exists) ended by design.
        summary.incompleteSegments = segments.filter { s in
            !s.complete && !segments.contains { $0.pid == s.pid && $0.generation > s.generation }
        }.sorted { ($0.pid, $0.generation) < ($1.pid, $1.generation) }.map(\.path)
        summary.touchesDropped += faults.heldCount()
        summary.recorderMappings = faults.ownMapped
        summary.stackNodes = writer.stackNodeCount
        summary.stackObjects = writer.stackObjectCount
        summary.unresolvedStacks = state.stacks.unresolved
        summary.unwind = state.stacks.counters
        summary.faultStacks = faultStacks?.counters ?? FaultStackCounters()
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
        return summary
    }
}
