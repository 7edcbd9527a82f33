import ArgumentParser
import Foundation
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

    func run() throws {
        let out = output ?? ((database.hasSuffix(".db") ? String(database.dropLast(3)) : database) + ".html")
        let start = Date()
        let html = try ReportPage.build(database: database, base: base)
        try writeAtomically(html, to: out)
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
