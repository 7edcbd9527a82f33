import Foundation
import MemReplay

/// Writes a `ProgressMeter` line to stderr while long work runs, rewriting it in place with `\r`,
/// at most five times a second, and a closing line at the end.
///
/// Made only when stderr is a terminal (and `-q` was not given) or `--progress` asks for it;
/// a pipe or a file gets nothing, so tests and scripts stay quiet.
final class ProgressReporter {
    private var meter: ProgressMeter
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastWrite: UInt64 = 0
    private var wroteLine = false
    /// Whether stderr is a terminal: then each line clears the rest of the previous one.
    private let terminal: Bool

    /// A reporter when progress should show: `forced` (`--progress`) or stderr is a terminal and
    /// not `quiet`; nil otherwise.
    static func make(label: String, total: UInt64?, forced: Bool, quiet: Bool) -> ProgressReporter? {
        let terminal = isatty(STDERR_FILENO) == 1
        guard forced || (terminal && !quiet) else { return nil }
        return ProgressReporter(meter: ProgressMeter(label: label, total: total), terminal: terminal)
    }

    private init(meter: ProgressMeter, terminal: Bool) {
        self.meter = meter; self.terminal = terminal
    }

    private var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Notes that `done` items are done; writes a line when 0.2 s passed since the last one.
    func update(_ done: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard !wroteLine || now - lastWrite >= 200_000_000 else { return }
        lastWrite = now
        write(meter.line(done: done, elapsed: elapsed), newline: false)
    }

    /// Writes the closing line (`replay: N events in T s, R events/s`).
    func finish(_ done: UInt64) {
        write(meter.finished(done: done, elapsed: elapsed), newline: true)
    }

    private func write(_ line: String, newline: Bool) {
        // On a terminal the line is rewritten in place; elsewhere (--progress into a file) each is a line.
        let text = terminal ? "\r" + line + "\u{1B}[K" + (newline ? "\n" : "") : line + "\n"
        wroteLine = true
        FileHandle.standardError.write(Data(text.utf8))
    }
}
