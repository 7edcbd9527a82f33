import ArgumentParser
import Foundation
import MemReplay
import MemReport
import MemTrace

/// `memreplay report`: one self-contained HTML file showing a run (and a base run against it).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of a run (charts, tables, and with --base a comparison).",
        discussion: """
            The page works offline: its data, styles and charting code are inlined and it loads nothing.
            Sections: summary; memory over time; requested → allocator → kernel RSS; faults by kind and
            by VMA × time; the buddy allocator; reclaim, PSI and OOM kills; allocations; hardware (when
            the hardware model ran); top VMAs and processes; with --base, both runs overlaid and the
            metric diff.

            Example:
              memreplay report run.db -o run.html
              memreplay report head.db --base base.db -o compare.html
            """)
    @Argument(help: "The run database.")
    var database: String
    @Option(name: .shortAndLong, help: "HTML file to write (default: the database's name with .html).")
    var output: String?
    @Option(help: "A base run database, drawn dashed on every chart and diffed.")
    var base: String?
    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false
    @Flag(help: "Report progress on stderr (each section read, rows, rendering) even when stderr is not a terminal; on a terminal it shows unless -q.")
    var progress = false

    func run() throws {
        let out = output ?? ((database.hasSuffix(".db") ? String(database.dropLast(3)) : database) + ".html")
        let start = Date()
        let reporter = ProgressReporter.make(label: "report", forced: progress, quiet: quiet)
        var collector = ReportCollector()
        var rows = 0
        if let reporter {
            collector.progress = { p in
                rows = p.rows
                reporter.show { r in
                    let name = p.phase == .reading ? "reading \((p.database as NSString).lastPathComponent): \(p.section)" : "rendering the page"
                    var detail = p.bucketWidth > 0 ? "buckets of \(ProgressMeter.grouped(UInt64(p.bucketWidth))) events, " : ""
                    detail += "\(ProgressMeter.grouped(UInt64(p.rows))) rows"
                    return r.meter.step(name, index: p.step, of: p.steps, detail: detail, elapsed: r.elapsed)
                }
            }
        }
        let html: String
        do {
            html = try ReportPage.build(database: database, base: base, collector: collector)
            try writeAtomically(html, to: out)
        } catch {
            reporter?.clear()
            throw error
        }
        if let reporter {
            reporter.finish(line: "report: \(out), \(ProgressMeter.bytes(UInt64(html.utf8.count))) from "
                + "\(ProgressMeter.grouped(UInt64(rows))) rows in \(ProgressMeter.duration(reporter.elapsed))")
        }
        if !quiet {
            let bytes = html.utf8.count
            print("\(out): report of \(database)\(base.map { " against \($0)" } ?? ""), \(bytes) bytes, "
                + "written in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        }
    }
}

/// Writes `text` under a temporary name next to `path` and renames it into place, so `path` is
/// either the old file or the complete new one; Ctrl-C removes the temporary file.
func writeAtomically(_ text: String, to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    TemporaryFiles.register(temporary)
    defer { TemporaryFiles.unregister(temporary) }
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
    } catch {
        unlink(temporary)
        throw UsageFailure("\(path): cannot write the report (\(error.localizedDescription))")
    }
    guard rename(temporary, path) == 0 else {
        let why = String(cString: strerror(errno))
        unlink(temporary)
        throw UsageFailure("\(path): cannot write the report (\(why))")
    }
}
