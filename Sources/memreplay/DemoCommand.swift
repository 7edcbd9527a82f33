import ArgumentParser
import Foundation
import MemTrace
import MemModel
import MemReplay
import MemStore
import MemReport

/// `memreplay demo`: the seed 000 experiment end to end, with a readable summary.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Synthesize the seed 000 mappings workload, replay it, query it and print what it found.",
        discussion: "Example:\n  memreplay demo --size 1G --dir out/demo")
    @Option(help: "Size of each of the four mappings.")
    var size: String = "1G"
    @Option(help: "Directory for the trace and the run database.")
    var dir: String = "out/demo"
    @Option(help: "Machine: a preset name, host, or a JSON file.")
    var machine: String = MachineConfiguration.defaultPreset

    func run() throws {
        guard let bytes = MachineConfiguration.parseSize(size), bytes >= 1 << 20 else {
            throw ValidationError("--size \(size): expected a size of at least 1M such as 1G or 256M")
        }
        let config = try resolveMachine(machine, [])
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let trace = dir + "/mappings.mrt", db = dir + "/mappings.db"
        let mib = bytes >> 20
        print("== 1. synthesize: the seed 000 experiment, four mappings of \(mib) MiB each")
        try writeSynthesized(MappingsSynthesizer(size: bytes), to: trace, level: 6)
        print("")
        print("== 2. inspect")
        let inspect = try InspectCommand.parse([trace])
        try inspect.run()
        print("")
        print("== 3. replay on \(config.name) (\(config.memoryBytes >> 30) GiB)")
        let start = Date()
        let (summary, _) = try replayTrace(trace, machine: config, output: db, salvage: false)
        printReplaySummary(summary, output: db)
        print(String(format: "  replay took %.2f s", Date().timeIntervalSince(start)))
        print("")
        print("== 4. query: free(1) before and after each step (queries/free-by-phase.sql)")
        let sql = try String(contentsOfFile: Self.queriesDirectory() + "/free-by-phase.sql", encoding: .utf8)
        let rows = try QueryRunner.execute(database: db, sql: sql).last?.rows ?? []
        print("  step                   Δused MiB   Δbuff/cache MiB   Δshared MiB     seed 000 says")
        let expected = ["shared-file-read": "+0 / +1G / +0", "private-file-write": "+1G / +1G / +0",
                        "private-anon-write": "+1G / +0 / +0", "shared-anon-write": "+0 / +1G / +1G"]
        for row in rows {
            guard case .text(let phase) = row[0], let note = expected[phase] else { continue }
            func mibOf(_ v: ResultSet.Value) -> String {
                switch v {
                case .integer(let i): return String(format: "%+.1f", Double(i) / 1024)
                case .real(let d): return String(format: "%+.1f", d / 1024)
                default: return "-"
                }
            }
            print("  " + pad(phase, 22) + lpad(mibOf(row[5]), 10) + lpad(mibOf(row[6]), 18) + lpad(mibOf(row[7]), 14)
                  + "     " + note.replacingOccurrences(of: "1G", with: "\(mib)M"))
        }
        print("  (used = total − free − buff/cache, as procps 3.3 in the seeds; page tables add a little to used)")
        print("")
        print("== 5. query: faults by kind")
        print(try QueryRunner.run(database: db, sql: """
            SELECT kind, COUNT(*) AS faults FROM v_faults GROUP BY kind ORDER BY faults DESC;
            """, format: .table), terminator: "")
        print("")
        let report = dir + "/mappings.html"
        try writeAtomically(try ReportPage.build(database: db), to: report)
        print("== 6. report: \(report) (open it in a browser; it works offline)")
        print("")
        print("Files: \(trace), \(db), \(report). Try: memreplay query \(db) queries/event-mix.sql")
    }

    /// The queries/ folder: next to the working directory, or beside the package sources.
    static func queriesDirectory() -> String {
        if FileManager.default.fileExists(atPath: "queries/free-by-phase.sql") { return "queries" }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return source.appendingPathComponent("queries").path
    }
}
