#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tick → nanosecond clock of one recording: a rate fixed before the run, checked at its end.
///
/// The tick rate is calibrated once per boot (`TickCalibration.cachedRate`) and anchored at the
/// pair the recording command reads just before it starts the program, so every record's time is
/// known the moment the record is read, not only after the program's last pair. The pair read
/// after the program exits checks it: when CLOCK_MONOTONIC says the run lasted more than `bound`
/// nanoseconds longer or shorter than the fixed rate says, the clock does not agree and the merge
/// falls back to the line through the run's extreme pairs (`TickClock(segments:extra:)`, the
/// exact after-exit path), so a trace is never less exact than that line.
///
/// Kept next to the raw segments (`clock` in the recording directory) and in the trace header,
/// so `--merge-raw` of a kept directory makes the same decision and the same bytes.
public struct RecordingClock: Equatable, Sendable {
    /// Nanoseconds per tick, as calibrated before the run.
    public var rate: Double
    /// The pair read just before the program started.
    public var start: TickCalibration
    /// The pair read after the program exited (nil while it runs).
    public var end: TickCalibration?
    /// Largest disagreement over the run, in nanoseconds, that still counts as agreement.
    public var bound: UInt64

    public init(rate: Double, start: TickCalibration, end: TickCalibration? = nil, bound: UInt64) {
        self.rate = rate; self.start = start; self.end = end; self.bound = bound
    }

    /// The bound for a trace rounded to `timeResolution` ns: half the resolution, at least 1 µs
    /// (the after-exit line's own pairs are read ~30 ns apart, and a trace's times are rounded down
    /// to the resolution anyway).
    public static func bound(timeResolution: UInt64) -> UInt64 { max(1_000, timeResolution / 2) }

    /// How far the fixed rate's prediction of the end pair is from CLOCK_MONOTONIC's, in
    /// nanoseconds (nil before the end pair is read or when the pairs go backwards).
    public var endError: Double? {
        guard let end, end.tick >= start.tick, end.nanoseconds >= start.nanoseconds else { return nil }
        let predicted = Double(end.tick - start.tick) * rate
        return predicted - Double(end.nanoseconds - start.nanoseconds)
    }

    /// True when the end check passed: times from the fixed rate stand.
    public var agrees: Bool {
        guard rate > 0, rate.isFinite, let error = endError else { return false }
        return abs(error) <= Double(bound)
    }

    /// The rate this run measured itself (start to end pair), for refreshing the cache.
    public var measuredRate: Double? {
        guard let end, end.tick > start.tick, end.nanoseconds > start.nanoseconds else { return nil }
        return Double(end.nanoseconds - start.nanoseconds) / Double(end.tick - start.tick)
    }

    /// The conversion the fixed rate gives (whether or not it agrees).
    var fixed: TickClock { TickClock(anchor: start, rate: rate) }

    /// The header attributes saying which clock the trace's times come from.
    public var attributes: [String: String] {
        var a = ["recorder.clock": agrees ? "fixed" : "fitted",
                 "recorder.tick_rate_ns": String(rate),
                 "recorder.clock_bound_ns": String(bound)]
        if let error = endError { a["recorder.clock_end_error_ns"] = String(Int64(error.rounded())) }
        return a
    }

    // MARK: - The `clock` file of a recording directory

    /// The text kept in a recording directory: one `key value` line each.
    public var fileText: String {
        var lines = ["rate \(rate)", "start \(start.tick) \(start.nanoseconds)", "bound \(bound)"]
        if let end { lines.append("end \(end.tick) \(end.nanoseconds)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses `fileText`; errors name `source`, the line and what was expected.
    public init(fileText text: String, source: String) throws {
        var rate: Double?, start: TickCalibration?, end: TickCalibration?, bound: UInt64?
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let f = line.split(separator: " ")
            func pair() throws -> TickCalibration {
                guard f.count == 3, let t = UInt64(f[1]), let ns = UInt64(f[2]) else {
                    throw TraceError.badRecord(source: source, offset: UInt64(n + 1),
                                               detail: "line \(n + 1): expected '\(f.first ?? "") <tick> <nanoseconds>'")
                }
                return TickCalibration(tick: t, nanoseconds: ns)
            }
            switch f.first {
            case "rate":
                guard f.count == 2, let r = Double(f[1]), r > 0, r.isFinite else {
                    throw TraceError.badRecord(source: source, offset: UInt64(n + 1), detail: "line \(n + 1): expected 'rate <ns per tick>'")
                }
                rate = r
            case "start": start = try pair()
            case "end": end = try pair()
            case "bound":
                guard f.count == 2, let b = UInt64(f[1]) else {
                    throw TraceError.badRecord(source: source, offset: UInt64(n + 1), detail: "line \(n + 1): expected 'bound <nanoseconds>'")
                }
                bound = b
            default:
                throw TraceError.badRecord(source: source, offset: UInt64(n + 1),
                                           detail: "line \(n + 1): expected rate, start, end or bound")
            }
        }
        guard let rate, let start, let bound else {
            throw TraceError.badRecord(source: source, offset: 0, detail: "expected rate, start and bound lines")
        }
        self.init(rate: rate, start: start, end: end, bound: bound)
    }

    /// Writes `fileText` to `directory/clock`.
    public func write(directory: String) throws {
        let path = directory + "/clock"
        let bytes = Array(fileText.utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TraceError.io(source: path, offset: 0, detail: "cannot create: \(errnoText())") }
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw TraceError.io(source: path, offset: 0, detail: "write failed: \(errnoText())") }
    }

    /// The clock kept in `directory`, or nil when there is none (a directory kept before clocks were).
    public static func read(directory: String) throws -> RecordingClock? {
        let path = directory + "/clock"
        guard let bytes = PerfFaultCollector.readBytes(path) else { return nil }
        return try RecordingClock(fileText: String(decoding: bytes, as: UTF8.self), source: path)
    }
}
