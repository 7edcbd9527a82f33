import ArgumentParser
import Foundation
import MemTrace

/// `memreplay convert`: turns a raw recording (`record`'s default output) into a trace.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a raw recording (what `record` writes by default) into a trace, in place by default.",
        discussion: """
            Every command that reads a trace converts a raw recording itself the first time (in place when
            the file is writable); this does it explicitly, with progress and a summary. The trace is written
            atomically: the raw recording stays as it was until the trace is complete.

            Example:
              memreplay record -o t.mrt -- ./prog
              memreplay convert t.mrt
            """)
    @Argument(help: "The raw recording (.mrt).")
    var input: String
    @Option(name: .shortAndLong, help: "Trace file to write (default: replace the input).")
    var output: String?
    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false
    @Flag(help: "Report progress on stderr even when stderr is not a terminal; on a terminal it shows unless -q.")
    var progress = false

    func run() throws {
        guard RawRecording.isRaw(path: input) else {
            let reader = try TraceReader(path: input)  // a trace, or an error naming what is wrong
            if !quiet { print("\(input): already a trace (format \(reader.header.formatVersion)); nothing to convert") }
            return
        }
        let raw = try RawRecording(path: input)
        let out = output ?? input
        let reporter = ProgressReporter.make(label: "convert", forced: progress, quiet: quiet)
        let started = DispatchTime.now().uptimeNanoseconds
        func since() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        var inputTotal: UInt64 = 0
        let summary: RecordingSummary, bytes: UInt64
        do {
            (summary, bytes) = try raw.convert(to: out) { merger in
                guard let reporter else { return }
                merger.progress = { p in
                    inputTotal = p.inputTotal
                    reporter.show { $0.meter.converting(events: p.events, inputDone: p.inputDone, inputTotal: p.inputTotal, elapsed: since()) }
                }
            }
        } catch {
            reporter?.clear()
            throw error
        }
        let seconds = since()
        if let reporter { reporter.finish(line: reporter.meter.converted(events: summary.events, inputTotal: inputTotal, elapsed: seconds)) }
        guard !quiet else { return }
        let perEvent = summary.events > 0 ? Double(bytes) / Double(summary.events) : 0
        print("\(out): \(summary.events) events, \(summary.processes.count) processes, \(summary.threads.count) threads, "
              + "\(bytes) bytes (\(String(format: "%.2f", perEvent)) bytes/event) from \(raw.segmentCount) segments "
              + String(format: "in %.2f s (%.1f M events/s)", seconds, seconds > 0 ? Double(summary.events) / seconds / 1e6 : 0)
              + raw.manifest.conversion.header.lossNote(incomplete: summary.incompleteSegments.count))
        if summary.touches > 0 || summary.touchesDropped > 0 {
            print("page faults: \(summary.touches) touches merged"
                  + (summary.touchesDropped > 0 ? ", \(summary.touchesDropped) after their process exited or of processes not followed left out" : ""))
        }
    }
}
