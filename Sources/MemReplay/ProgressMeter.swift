/// The text of a progress line for long work: items done, the rate, and with a known total the
/// percentage and the estimated time left.
///
/// A value with no clock and no output of its own: the command line measures the elapsed time and
/// decides where the line goes (stderr, only on a terminal or with `--progress`), so the format is
/// tested on its own and nothing of it reaches a run database.
public struct ProgressMeter: Sendable, Equatable {
    /// What is being done, first on the line (`replay`, `report`).
    public var label: String
    /// What is counted (`events`).
    public var unit: String
    /// How many there are in all, when known in advance (a trace's block headers).
    public var total: UInt64?

    public init(label: String, unit: String = "events", total: UInt64? = nil) {
        self.label = label; self.unit = unit; self.total = total
    }

    /// The line while running: `replay: 1,310,720 / 10,000,000 events (13.1%), 2.15 M events/s, ETA 4 s`.
    public func line(done: UInt64, elapsed: Double) -> String {
        var text = "\(label): \(ProgressMeter.grouped(done))"
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            text += " / \(ProgressMeter.grouped(total)) \(unit) (\(ProgressMeter.oneDecimal(fraction * 100))%)"
            text += ", \(ProgressMeter.rate(rate)) \(unit)/s"
            if rate > 0 && done < total {
                text += ", ETA \(ProgressMeter.duration(Double(total - done) / rate))"
            }
        } else {
            text += " \(unit), \(ProgressMeter.rate(rate)) \(unit)/s"
        }
        return text
    }

    /// The closing line: `replay: 10,000,000 events in 4.6 s, 2.17 M events/s`.
    public func finished(done: UInt64, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        return "\(label): \(ProgressMeter.grouped(done)) \(unit) in \(ProgressMeter.duration(elapsed)), "
            + "\(ProgressMeter.rate(rate)) \(unit)/s"
    }

    /// `1234567` → `1,234,567`.
    public static func grouped(_ n: UInt64) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// A rate with three significant figures and a k/M/G prefix: `950`, `12.3 k`, `2.15 M`.
    public static func rate(_ r: Double) -> String {
        guard r.isFinite, r > 0 else { return "0" }
        let (scaled, prefix): (Double, String) = r >= 1e9 ? (r / 1e9, " G") : r >= 1e6 ? (r / 1e6, " M")
            : r >= 1e3 ? (r / 1e3, " k") : (r, "")
        let decimals = scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2
        return fixed(scaled, decimals) + prefix
    }

    /// Seconds as `0.4 s`, `42 s`, `3 min 05 s`, `2 h 07 min`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds < 10 { return oneDecimal(seconds) + " s" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(pad2(s % 60)) s" }
        return "\(s / 3600) h \(pad2(s % 3600 / 60)) min"
    }

    static func oneDecimal(_ v: Double) -> String { fixed(v, 1) }

    static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// `v` rounded to `decimals` places, without Foundation's locale-dependent formatting.
    static func fixed(_ v: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let n = Int64((v * scale).rounded())
        guard decimals > 0 else { return String(n) }
        let whole = n / Int64(scale), frac = String(n % Int64(scale))
        return "\(whole)." + String(repeating: "0", count: decimals - frac.count) + frac
    }
}
