import Foundation
import MemReplay

/// Writes a progress line to stderr while long work runs, rewriting it in place with `\r`, at most
/// once per interval (0.2 s, or `$MEMREPLAY_PROGRESS_INTERVAL_MS`), and a closing line at the end.
///
/// Made only when stderr is a terminal (and `-q` was not given) or `--progress` asks for it;
/// a pipe or a file gets nothing, so tests and scripts stay quiet. `replay` hands it counts for
/// its `ProgressMeter`; `record`, `import` and `report` hand it lines they formatted with the
/// meter's other formats (`ProgressMeter+Phases`). Its writes hold a lock: `record` draws from
/// its polling thread while the program runs and from the main thread after.
final class ProgressReporter: @unchecked Sendable {
    /// The environment variable that sets the redraw interval in milliseconds (tests set 0, so
    /// every update is drawn even on a small input).
    static let intervalVariable = "MEMREPLAY_PROGRESS_INTERVAL_MS"

    let meter: ProgressMeter
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastWrite: UInt64 = 0
    private var wroteLine = false
    /// Whether a line is on the screen not yet ended with a newline.
    private var lineOpen = false
    /// Whether stderr is a terminal: then each line clears the rest of the previous one.
    let terminal: Bool
    /// Least time between two drawn lines, in nanoseconds.
    let interval: UInt64
    private let lock = NSLock()

    /// A reporter when progress should show: `forced` (`--progress`) or stderr is a terminal and
    /// not `quiet`; nil otherwise.
    static func make(label: String, unit: String = "events", total: UInt64? = nil, forced: Bool, quiet: Bool) -> ProgressReporter? {
        let terminal = isatty(STDERR_FILENO) == 1
        guard forced || (terminal && !quiet) else { return nil }
        return ProgressReporter(meter: ProgressMeter(label: label, unit: unit, total: total), terminal: terminal,
                                interval: configuredInterval(default: 200_000_000))
    }

    private init(meter: ProgressMeter, terminal: Bool, interval: UInt64) {
        self.meter = meter; self.terminal = terminal; self.interval = interval
    }

    /// `$MEMREPLAY_PROGRESS_INTERVAL_MS` in nanoseconds when set to a whole number, else `fallback`.
    static func configuredInterval(default fallback: UInt64) -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment[intervalVariable], let ms = UInt64(text) else { return fallback }
        return ms * 1_000_000
    }

    /// Seconds since the reporter was made.
    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Notes that `done` items are done; writes the meter's line when the interval passed since the last one.
    func update(_ done: UInt64) {
        show { $0.meter.line(done: done, elapsed: $0.elapsed) }
    }

    /// Writes the line `text` builds when the interval passed since the last line (the first
    /// always), or at once when `force` (a new phase, or a caller that keeps its own time).
    func show(force: Bool = false, _ text: (ProgressReporter) -> String) {
        lock.lock(); defer { lock.unlock() }
        let now = DispatchTime.now().uptimeNanoseconds
        guard force || !wroteLine || now - lastWrite >= interval else { return }
        lastWrite = now
        write(text(self), newline: false)
    }

    /// Writes the closing line (`replay: N events in T s, R events/s`).
    func finish(_ done: UInt64) {
        finish(line: meter.finished(done: done, elapsed: elapsed))
    }

    /// Writes `line` as the closing line, ended with a newline.
    func finish(line: String) {
        lock.lock(); defer { lock.unlock() }
        write(line, newline: true)
    }

    /// Erases the line on the terminal (work that failed, or output of its own about to follow).
    func clear() {
        lock.lock(); defer { lock.unlock() }
        guard terminal && lineOpen else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        lineOpen = false
    }

    private func write(_ line: String, newline: Bool) {
        // On a terminal the line is rewritten in place; elsewhere (--progress into a file) each is a line.
        let text = terminal ? "\r" + line + "\u{1B}[K" + (newline ? "\n" : "") : line + "\n"
        wroteLine = true
        lineOpen = terminal && !newline
        FileHandle.standardError.write(Data(text.utf8))
    }
}
