import Foundation
import MemReplay
import MemTrace

/// Shows what a recording has captured while its program runs: the raw segments' bytes on disk
/// and the page faults spooled, polled from the memreplay process on a timer (every 0.25 s, or
/// `$MEMREPLAY_PROGRESS_INTERVAL_MS`), never from the interposer.
///
/// The program shares the terminal, and nothing tells memreplay when it writes there: a line
/// redrawn with `\r` would overwrite a line of the program's own that has no newline yet. So on a
/// terminal the line is drawn only while memreplay's stdout is not a terminal (the program's
/// ordinary output goes elsewhere), and it is erased when the program ends; with `--progress`
/// into a file or pipe each poll is a whole line written at once.
final class RecordingMonitor: @unchecked Sendable {
    let reporter: ProgressReporter
    let directory: String
    let program: String
    let faults: Bool
    private var thread: PollingThread?

    /// A monitor for `reporter`, or nil when the running line must not be drawn (see the type).
    static func make(reporter: ProgressReporter?, directory: String, program: String, faults: Bool) -> RecordingMonitor? {
        guard let reporter, !reporter.terminal || isatty(STDOUT_FILENO) != 1 else { return nil }
        return RecordingMonitor(reporter: reporter, directory: directory, program: program, faults: faults)
    }

    private init(reporter: ProgressReporter, directory: String, program: String, faults: Bool) {
        self.reporter = reporter; self.directory = directory; self.program = program; self.faults = faults
    }

    /// Starts polling on a thread of its own.
    func start() {
        let interval = ProgressReporter.configuredInterval(default: 250_000_000)
        let t = PollingThread(interval: .nanoseconds(Int(max(interval, 1_000_000)))) { [self] in
            let captured = RecordingMonitor.captured(directory: directory)
            reporter.show(force: true) { r in
                r.meter.running(program: self.program, rawBytes: captured.rawBytes,
                                faults: self.faults ? captured.faultSamples : nil, elapsed: r.elapsed)
            }
            return true
        }
        thread = t
        t.start()
    }

    /// Stops polling, waits for the thread, and erases the line from the terminal.
    func stop() {
        guard let t = thread else { return }
        t.stop()
        thread = nil
        reporter.clear()
    }

    /// The bytes of the raw segments (`p*.mrr`, uncompressed as the interposer wrote them)
    /// and the samples in the fault spool, in `directory` now.
    static func captured(directory: String) -> (rawBytes: UInt64, faultSamples: UInt64) {
        var raw: UInt64 = 0, faults: UInt64 = 0
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return (0, 0) }
        for name in names {
            var st = stat()
            guard stat(directory + "/" + name, &st) == 0 else { continue }
            if name.hasPrefix("p") && name.hasSuffix(".mrr") { raw += UInt64(st.st_size) }
            if name == "faults.spool" { faults = UInt64(st.st_size) / UInt64(FaultSample.encodedSize) }
        }
        return (raw, faults)
    }
}
