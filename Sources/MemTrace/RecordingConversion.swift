/// How a recording directory becomes a trace: everything the merge needs besides the segments.
///
/// `memreplay record --convert now` builds one from its own run and converts the directory at
/// once; `--convert later` (the default) keeps it in a raw recording's manifest
/// (`RawRecording`), and the first reader converts the packed directory with it. Both call
/// `convert`, so the same directory and the same conversion give the same bytes.
public struct RecordingConversion: Codable, Equatable, Sendable {
    /// The trace header before the merge completes it (producer, command, host, the recorder's
    /// attributes: exit status, fault capture counts).
    public var header: TraceHeader
    /// The recorded process, or nil to take the first image whose parent recorded nothing
    /// (`--merge-raw` of a kept directory).
    public var rootPid: UInt32?
    /// The root's exit status as waitpid reported it (negated signal number), written for a root
    /// killed before it could record its exit; nil takes it from its own exit record only.
    public var rootStatus: Int32?
    /// Trace times are rounded down to a multiple of this many nanoseconds.
    public var timeResolution: UInt64
    /// zstd level of the trace's blocks.
    public var compressionLevel: Int
    /// `none`, `faults` or `lackey`: which spool of the directory is merged too.
    public var accesses: String
    /// (tick, CLOCK_MONOTONIC) pairs the recording command read around the run.
    public var calibrations: [TickCalibration]

    public init(header: TraceHeader, rootPid: UInt32?, rootStatus: Int32?, timeResolution: UInt64,
                compressionLevel: Int, accesses: String, calibrations: [TickCalibration]) {
        self.header = header; self.rootPid = rootPid; self.rootStatus = rootStatus
        self.timeResolution = timeResolution; self.compressionLevel = compressionLevel
        self.accesses = accesses; self.calibrations = calibrations
    }

    /// The process the trace is rooted at: `rootPid`, or the first image (generation 0) whose
    /// start record names a parent that recorded nothing.
    public func root(of segments: [RecorderSegment]) -> UInt32 {
        if let rootPid { return rootPid }
        let pids = Set(segments.map(\.pid))
        let first = segments.first { s in
            guard s.generation == 0, !s.threads.isEmpty else { return false }
            var cursor = RecorderCursor(segment: s, thread: 0)
            while let e = try? cursor.next() {
                if e.op == .start { return e[0] == 0 && !pids.contains(UInt32(truncatingIfNeeded: e[1])) }
            }
            return false
        } ?? segments[0]
        return first.pid
    }

    /// Frames kept per page-fault stack: `record --stack-depth` as the header's
    /// `recorder.stack_depth` says (1–256), else `FaultStackResolver.defaultDepth`.
    static func stackDepth(_ header: TraceHeader) -> Int {
        guard let text = header.attributes[stackDepthAttribute], let n = Int(text), (1...256).contains(n) else {
            return FaultStackResolver.defaultDepth
        }
        return n
    }

    /// The header attribute `record` writes `--stack-depth` to.
    public static let stackDepthAttribute = "recorder.stack_depth"

    /// Merges `segments` (read from `directory`, with its `clock` file and spools) into a trace at
    /// `output`, written atomically (`TraceWriter(path:)`); `prepare` sees the merger before it
    /// runs (a progress callback). Returns what was written and the file's size.
    public func convert(segments: [RecorderSegment], directory: String, output: String,
                        prepare: (inout RecordingMerger) -> Void = { _ in }) throws -> (RecordingSummary, UInt64) {
        guard !segments.isEmpty else {
            throw TraceError.io(source: directory, offset: 0, detail: "the recording holds no segments")
        }
        let clock = try RecordingClock.read(directory: directory)
        var calibrations = calibrations
        if calibrations.isEmpty, let clock { calibrations = [clock.start] + (clock.end.map { [$0] } ?? []) }
        var merger = RecordingMerger(segments: segments, rootPid: root(of: segments), rootStatus: rootStatus)
        merger.timeResolution = timeResolution
        merger.accessSpool = accesses == "lackey" ? directory + "/lackey.spool" : nil
        let faults = directory + "/faults.spool"
        merger.faultSpool = accesses == "faults" && access(faults, F_OK) == 0 ? faults : nil
        merger.faultStackDepth = Self.stackDepth(header)
        merger.extraCalibrations = calibrations
        merger.clock = clock
        prepare(&merger)
        let (writer, summary) = try merger.merge(header: header) { h in
            try TraceWriter(path: output, header: h, compressionLevel: compressionLevel, inBackground: true)
        }
        try writer.close()
        return (summary, writer.bytesWritten)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
