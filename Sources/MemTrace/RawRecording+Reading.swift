#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RawRecording {
    /// Whether `openConverted` says on stderr that it converts (true by default). Commands in a
    /// quiet mode (`replay -q`, `inspect --format json`) turn it off before opening their trace;
    /// errors are thrown as always.
    nonisolated(unsafe) public static var announcesConversion = true

    /// Converts the raw recording at `path` for a reader and returns a descriptor open on the
    /// trace. When the file and its directory are writable (`inPlace` nil) the trace atomically
    /// replaces the raw recording (a temporary file beside it, fsynced, renamed), so only the first
    /// reader pays; otherwise it goes to a temporary file that is unlinked once open. Says so on
    /// stderr in one line (unless `announcesConversion` is off): `converting raw recording t.mrt (N segments) … done, …` with any lost
    /// fault samples and unfinished streams.
    public static func openConverted(path: String, inPlace: Bool? = nil) throws -> Int32 {
        let raw = try RawRecording(path: path)
        let writable = inPlace ?? RawRecording.replaceable(path)
        let started = TickCalibration.now().nanoseconds
        let segments = raw.segmentCount
        standardError("memreplay: converting raw recording \(path) (\(segments) segment\(segments == 1 ? "" : "s")) …")
        let output = writable ? path : try temporaryTracePath()
        let summary: RecordingSummary
        do {
            (summary, _) = try raw.convert(to: output)
        } catch {
            standardError(" failed\n")
            throw error
        }
        let fd = open(output, O_RDONLY | O_CLOEXEC)
        let openError = errnoText()
        if !writable { unlink(output) }
        guard fd >= 0 else { throw TraceError.io(source: output, offset: 0, detail: "cannot open the converted trace: \(openError)") }
        let centiseconds = (TickCalibration.now().nanoseconds - started + 5_000_000) / 10_000_000
        let fraction = centiseconds % 100
        var line = " done, \(summary.events) events in \(centiseconds / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
        line += writable ? "" : " (into a temporary file: \(path) is not writable)"
        line += raw.manifest.conversion.header.lossNote(incomplete: summary.incompleteSegments.count)
        standardError(line + "\n")
        return fd
    }

    /// True when `path` may be replaced: the file and its directory are writable.
    static func replaceable(_ path: String) -> Bool {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        return access(path, W_OK) == 0 && access(directory.isEmpty ? "/" : directory, W_OK) == 0
    }

    /// A path for a trace that is removed once opened.
    static func temporaryTracePath() throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return base + "/memreplay-converted-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).mrt"
    }

    static func standardError(_ text: String) {
        guard announcesConversion else { return }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

extension TraceHeader {
    /// What a recording lost, for a summary line: `; 3 fault samples LOST (ring buffer full)`
    /// from `recorder.fault_samples_lost`, and the process images whose stream did not end.
    public func lossNote(incomplete: Int) -> String {
        var note = ""
        if let lost = attributes["recorder.fault_samples_lost"].flatMap(UInt64.init), lost > 0 {
            note += "; \(lost) fault samples LOST (ring buffer full)"
        }
        if incomplete > 0 {
            note += "; \(incomplete) process image(s) did not finish their stream (killed or still running): their last unflushed buffer is lost"
        }
        return note
    }
}
