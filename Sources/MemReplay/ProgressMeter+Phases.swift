/// The progress lines of the commands other than `replay`: sizes in bytes (`import`), a recording
/// while its program runs and while it is converted (`record`), and a report's phases (`report`).
///
/// Pure formatting like `ProgressMeter.line`: the command line supplies the figures and the
/// elapsed time and decides whether and where a line is written.
extension ProgressMeter {
    /// `812 B`, `12.4 KiB`, `96.0 MiB`, `1.25 GiB` (three significant figures, binary prefixes).
    public static func bytes(_ n: UInt64) -> String {
        let v = Double(n)
        guard n >= 1024 else { return "\(n) B" }
        let gib = 1_073_741_824.0, mib = 1_048_576.0
        let (scaled, suffix): (Double, String) = v >= gib ? (v / gib, "GiB") : v >= mib ? (v / mib, "MiB") : (v / 1024, "KiB")
        let decimals = scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2
        return fixed(scaled, decimals) + " " + suffix
    }

    /// Input read of a file of known size, with what it yielded so far:
    /// `import: 12.4 MiB / 96.0 MiB (12.9%), 1,048,576 accesses, 45.2 MiB/s, ETA 2.1 s`.
    public func bytesLine(done: UInt64, total: UInt64, elapsed: Double, yielded: UInt64, what: String) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        var text = "\(label): \(ProgressMeter.bytes(done)) / \(ProgressMeter.bytes(total)) (\(ProgressMeter.oneDecimal(fraction * 100))%), "
            + "\(ProgressMeter.grouped(yielded)) \(what), \(ProgressMeter.bytes(UInt64(rate)))/s"
        if rate > 0 && done < total { text += ", ETA \(ProgressMeter.duration(Double(total - done) / rate))" }
        return text
    }

    /// The closing line of `bytesLine`: `import: 96.0 MiB in 2.1 s, 45.7 MiB/s, 8,388,608 accesses`.
    public func bytesFinished(done: UInt64, elapsed: Double, yielded: UInt64, what: String) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        return "\(label): \(ProgressMeter.bytes(done)) in \(ProgressMeter.duration(elapsed)), "
            + "\(ProgressMeter.bytes(UInt64(rate)))/s, \(ProgressMeter.grouped(yielded)) \(what)"
    }

    /// A recorded program still running, whose end is unknown (no percentage, no ETA), with what
    /// the recorder has written to disk so far (compressed segments, spooled fault samples):
    /// `record: running ./prog, 3.12 MiB of segments, 32,768 page faults spooled, 2.4 s`.
    public func running(program: String, rawBytes: UInt64, faults: UInt64?, elapsed: Double) -> String {
        var text = "\(label): running \(program), \(ProgressMeter.bytes(rawBytes)) of segments"
        if let faults { text += ", \(ProgressMeter.grouped(faults)) page faults spooled" }
        return text + ", \(ProgressMeter.duration(elapsed))"
    }

    /// A recording's conversion into a trace: the share of the raw input consumed gives the
    /// percentage and the ETA, the events written the rate:
    /// `record: converting 1,310,720 events (43.1% of 96.0 MiB of records), 2.15 M events/s, ETA 4.0 s`.
    public func converting(events: UInt64, inputDone: UInt64, inputTotal: UInt64, elapsed: Double) -> String {
        let fraction = inputTotal > 0 ? min(1, Double(inputDone) / Double(inputTotal)) : 1
        let rate = elapsed > 0 ? Double(events) / elapsed : 0
        var text = "\(label): converting \(ProgressMeter.grouped(events)) \(unit) "
            + "(\(ProgressMeter.oneDecimal(fraction * 100))% of \(ProgressMeter.bytes(inputTotal)) of records), "
            + "\(ProgressMeter.rate(rate)) \(unit)/s"
        if fraction > 0 && fraction < 1 && elapsed > 0 {
            text += ", ETA \(ProgressMeter.duration(elapsed * (1 - fraction) / fraction))"
        }
        return text
    }

    /// The closing line of a conversion:
    /// `record: 3,041,226 events from 12.3 MiB of records in 0.9 s, 3.38 M events/s`.
    public func converted(events: UInt64, inputTotal: UInt64, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(events) / elapsed : 0
        return "\(label): \(ProgressMeter.grouped(events)) \(unit) from \(ProgressMeter.bytes(inputTotal)) of records in "
            + "\(ProgressMeter.duration(elapsed)), \(ProgressMeter.rate(rate)) \(unit)/s"
    }

    /// One step of work made of named steps (a report's sections):
    /// `report: reading run.db: faults (8 of 16), 600 buckets of 334 events, 2,412 rows, 0.4 s`.
    public func step(_ name: String, index: Int, of steps: Int, detail: String?, elapsed: Double) -> String {
        "\(label): \(name) (\(index) of \(steps))" + (detail.map { ", " + $0 } ?? "") + ", \(ProgressMeter.duration(elapsed))"
    }
}
