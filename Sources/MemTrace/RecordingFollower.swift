#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Merges a recording while its program runs, so that by the program's exit only the tail is left.
///
/// The segments (`p<pid>-<gen>.mrr`) are read as the interposer flushes them (`RecorderSegment
/// .init(following:)`), their times converted with the tick rate fixed before the run
/// (`RecordingClock`), and the merge (`RecordingMergeRun`, the same steps as after exit) writes an
/// item only when nothing still unseen can come before it: its tick is below the **horizon**, the
/// smallest of
/// - each live thread stream that has nothing unread: the tick of its last record (a thread stamps
///   its records in order, so what it flushes next comes later);
/// - each process image announced and not yet readable: a forked child from its parent's `fork`
///   record (stamped before the fork), an exec'd image from the last record of the image it
///   replaced, an image whose first /proc/self/maps text is not complete from its first record,
///   and an image whose file holds nothing yet holds everything back (the interposer flushes an
///   image's first records and each new thread's start at once, so that is brief).
///
/// A stream that ended (`threadExit`) or whose image ended (its zstd frame closed, or a later
/// generation of its pid exists) bounds nothing. Anything that would still sort before an item
/// already written — a thread that was not announced, a stream going back in time — is a
/// **violation**: the follower then gives up and the caller merges after exit, exactly, so the
/// trace is the same bytes as `RecordingMerger`'s either way.
///
/// The trace's header is known only at the end (exit status, perf's counts), so the blocks are
/// written to a body file and the file is assembled with its header by `finish`.
public final class RecordingFollower {
    let directory: String
    let followForks: Bool
    let run: RecordingMergeRun
    private let body: BodyOutput
    private let writer: TraceWriter
    /// Followed segments by file name, with their place in `run` once they are merged.
    private var segments: [String: RecorderSegment] = [:]
    private var order: [String] = []
    private var runIndex: [ObjectIdentifier: Int] = [:]
    private var finalSegment: [Bool] = []
    private var isFinal: Set<String> = []
    /// Images announced but not yet in the merge, keyed "pid-gen", with the tick they cannot precede.
    private var pending: [String: UInt64] = [:]
    /// Largest (tick, pid, generation, thread) written.
    @exclusivity(unchecked) private var written: (UInt64, UInt32, Int, Int)?
    /// Events written so far.
    public var eventsWritten: UInt64 { run.summary.events }
    /// Why the follower gave up, if it did.
    public private(set) var violation: String?

    /// A follower of `directory` whose root process is `rootPid`, converting with `clock`'s fixed
    /// rate; `outputPath` gets the trace at `finish`.
    public init(directory: String, rootPid: UInt32, followForks: Bool, clock: RecordingClock, timeResolution: UInt64,
                outputPath: String, compressionLevel: Int) throws {
        self.directory = directory
        self.followForks = followForks
        self.run = RecordingMergeRun(rootPid: rootPid, clock: clock.fixed, timeResolution: timeResolution)
        self.body = try BodyOutput(finalPath: outputPath)
        let placeholder = TraceHeader(producer: "memreplay-record", producerVersion: "", commandLine: [])
        do {
            self.writer = try TraceWriter(output: body, header: placeholder, compressionLevel: compressionLevel, inBackground: true)
        } catch {
            body.discard()
            throw error
        }
        run.writer = writer
    }

    deinit { abandon() }

    /// Gives up: the body file is deleted (the caller merges after exit).
    public func abandon() {
        writer.abandon()
        body.discard()
    }

    /// Reads what the processes flushed and writes what the horizon allows; false once a violation
    /// was found (nothing more is done then).
    @discardableResult public func poll() throws -> Bool {
        guard violation == nil else { return false }
        try pullAll(final: false)
        guard violation == nil else { return false }
        try step(unbounded: false)
        return violation == nil
    }

    /// Reads the rest (the processes are gone), writes everything, and assembles the trace with
    /// `header` (completed as `RecordingMerger` completes it). Nil when a violation was found: the
    /// output is abandoned and the caller merges after exit.
    public func finish(header: TraceHeader, clockAttributes: [String: String],
                       rootStatus: Int32?) throws -> (bytesWritten: UInt64, summary: RecordingSummary)? {
        guard violation == nil else { abandon(); return nil }
        try pullAll(final: true)
        guard violation == nil else { abandon(); return nil }
        try step(unbounded: true)
        guard violation == nil else { abandon(); return nil }
        let summary = try run.finish(rootStatus: rootStatus)
        try writer.close()
        var header = header
        run.completeHeader(&header, clockAttributes: clockAttributes)
        let size = try body.assemble(header: try TraceWriter.encodeFileHeader(header))
        return (size, summary)
    }

    // MARK: - Reading

    /// Finds new segment files, pulls every unfinished one, and adds what became mergeable.
    private func pullAll(final: Bool) throws {
        var names: Set<String> = []
        if let dir = opendir(directory) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                if name.hasPrefix("p") && name.hasSuffix(".mrr") { names.insert(name) }
            }
            closedir(dir)
        }
        for name in names.sorted() where segments[name] == nil {
            guard let dash = name.firstIndex(of: "-"), let pid = UInt32(name.dropFirst().prefix(upTo: dash)),
                  let gen = Int(name[name.index(after: dash)...].dropLast(4)) else { continue }
            segments[name] = try RecorderSegment(following: directory + "/" + name, pid: pid, generation: gen)
            order.append(name)
        }
        for name in order where !isFinal.contains(name) {
            let s = segments[name]!
            // A later generation exists: this image exec'd after flushing everything (read below).
            let replaced = names.contains("p\(s.pid)-\(s.generation + 1).mrr")
            if final || replaced || s.complete {
                try s.finishFollowing()
                isFinal.insert(name)
                if let i = runIndex[ObjectIdentifier(s)] { finalSegment[i] = true }
                if replaced && segments["p\(s.pid)-\(s.generation + 1).mrr"].map({ runIndex[ObjectIdentifier($0)] == nil }) ?? true {
                    pending["\(s.pid)-\(s.generation + 1)"] = RecordingFollower.lastTick(of: s)
                }
            } else {
                _ = try s.pull()
            }
        }
        for name in order {
            let s = segments[name]!
            if let i = runIndex[ObjectIdentifier(s)] {
                // Known image: new chunks for its streams, and threads seen for the first time.
                for k in run.streams.indices where run.streams[k].segment == i && run.streams[k].source == .thread {
                    run.streams[k].cursor!.refresh()
                    if run.streams[k].head == nil {
                        try run.streams[k].advance()
                        if run.streams[k].head != nil { check(k, waited: run.streams[k].yielded && !run.streams[k].ended) }
                    }
                }
                if s.threads.count > run.streams.lazy.filter({ $0.segment == i && $0.source == .thread }).count {
                    for k in try run.add(s) { check(k, waited: false) }
                }
            } else if isFinal.contains(name) || RecordingConverter.initialMapsSettled(s) {
                let added = try run.add(s)
                let i = run.index(of: s)
                runIndex[ObjectIdentifier(s)] = i
                while finalSegment.count <= i { finalSegment.append(false) }
                finalSegment[i] = isFinal.contains(name)
                pending["\(s.pid)-\(s.generation)"] = nil
                for k in added { check(k, waited: false) }
            }
        }
    }

    /// The largest tick of any record of `s` (the image an exec replaced: its successor starts later).
    static func lastTick(of s: RecorderSegment) -> UInt64 {
        var last: UInt64 = 0
        for t in s.threads.indices {
            var c = RecorderCursor(segment: s, thread: t)
            while let e = try? c.next() { last = max(last, e.tick) }
        }
        return last
    }

    /// Checks that the new head of stream `k` sorts after what was written: a stream that waited
    /// goes on from its last tick, a stream seen for the first time sorts after everything written.
    private func check(_ k: Int, waited: Bool) {
        let st = run.streams[k]
        if waited {
            if st.headTick < st.lastTick { violation = "\(st.pid)/\(st.tid) went back in time after a flush" }
        } else if let w = written, (st.headTick, st.pid, st.generation, st.thread) <= w {
            violation = "\(st.pid)/\(st.tid) appeared with records before ones already merged (\(st.headTick) gen \(st.generation) <= \(w))"
        }
    }

    // MARK: - Merging

    /// Writes every head below the horizon (every head, when `unbounded`).
    private func step(unbounded: Bool) throws {
        var fixed = UInt64.max
        if !unbounded {
            for (_, tick) in pending { fixed = min(fixed, tick) }
            for name in order where runIndex[ObjectIdentifier(segments[name]!)] == nil {
                // An image not yet readable: from its first record on (or its announcement).
                let s = segments[name]!
                var first: UInt64?
                if !s.threads.isEmpty { var c = RecorderCursor(segment: s, thread: 0); first = (try? c.next())?.tick }
                // Nothing readable yet (the file was just made): nothing is known, so nothing passes.
                fixed = min(fixed, first ?? pending["\(s.pid)-\(s.generation)"] ?? 0)
            }
        }
        while true {
            var best = -1, bestTick = UInt64.max, horizon = fixed
            for i in run.streams.indices {
                if run.streams[i].head != nil {
                    if run.streams[i].headTick < bestTick { best = i; bestTick = run.streams[i].headTick }
                } else if !unbounded && !run.streams[i].ended && !finalSegment[run.streams[i].segment] {
                    horizon = min(horizon, run.streams[i].yielded ? run.streams[i].lastTick : 0)
                }
            }
            if best < 0 {
                guard unbounded, let i = run.streams.firstIndex(where: { $0.head != nil }) else { return }
                best = i
            } else if !unbounded && bestTick >= horizon {
                return
            }
            let key = (bestTick, run.streams[best].pid, run.streams[best].generation, run.streams[best].thread)
            if written == nil || key > written! { written = key }
            if followForks, case .record(let raw, _)? = run.streams[best].head, raw.op == .fork {
                // The child's records come after the fork was stamped; until its image is readable
                // nothing at or past that tick is written.
                let child = UInt32(truncatingIfNeeded: raw[0])
                if !run.segments.contains(where: { $0.pid == child && $0.generation == 0 }) {
                    pending["\(child)-0"] = raw.tick
                    fixed = min(fixed, raw.tick)
                }
            }
            try run.emit(best)
        }
    }
}

/// The follower's output: the blocks go to a body file next to the trace (the placeholder header
/// `TraceWriter` writes first is dropped); `assemble` writes the real header and the body into the
/// trace's path atomically.
final class BodyOutput: TraceOutput {
    let finalPath: String
    let bodyPath: String
    private var fd: Int32
    private var sawHeader = false
    private var bodyBytes: UInt64 = 0

    init(finalPath: String) throws {
        self.finalPath = finalPath
        let slash = finalPath.lastIndex(of: "/")
        let dir = slash.map { String(finalPath[...$0]) } ?? ""
        let base = slash.map { String(finalPath[finalPath.index(after: $0)...]) } ?? finalPath
        bodyPath = dir + "." + base + "." + String(getpid()) + ".body.tmp"
        fd = open(bodyPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { throw TraceError.io(source: bodyPath, offset: 0, detail: "cannot create: \(errnoText())") }
        TemporaryFiles.register(bodyPath)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if !sawHeader { sawHeader = true; return }
        guard fd >= 0, var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError.io(source: bodyPath, offset: bodyBytes, detail: "write failed: \(errnoText())")
            }
            p += n; left -= n; bodyBytes += UInt64(n)
        }
    }

    func close() throws {}

    /// Deletes the body file.
    func discard() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
        unlink(bodyPath)
        TemporaryFiles.unregister(bodyPath)
    }

    /// Writes `header` then the body to the trace's path (a temporary file renamed into place);
    /// returns the trace's size.
    func assemble(header: [UInt8]) throws -> UInt64 {
        let temporary = bodyPath + ".trace"
        TemporaryFiles.register(temporary)
        defer { TemporaryFiles.unregister(temporary); discard() }
        let out = try FileTraceOutput(creating: temporary)
        do {
            try header.withUnsafeBytes { try out.write($0) }
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            var at: off_t = 0
            while true {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, at) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TraceError.io(source: bodyPath, offset: UInt64(at), detail: "read failed: \(errnoText())")
                }
                if n == 0 { break }
                try buffer.withUnsafeBytes { try out.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                at += off_t(n)
            }
            try out.close()
        } catch {
            out.discard()
            unlink(temporary)
            throw error
        }
        if rename(temporary, finalPath) != 0 {
            unlink(temporary)
            throw TraceError.io(source: finalPath, offset: 0, detail: "cannot rename \(temporary) into place: \(errnoText())")
        }
        return UInt64(header.count) + bodyBytes
    }
}
