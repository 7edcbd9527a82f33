import ArgumentParser
import Foundation
import MemTrace
import MemModel

/// `memreplay import`: converts a foreign trace format into a `.mrt` trace.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert another tool's trace into a memreplay trace.",
        discussion: "Example:\n  valgrind --tool=lackey --trace-mem=yes --log-file=prog.log ./prog\n  memreplay import lackey prog.log -o prog.mrt",
        subcommands: [ImportLackey.self])
}

/// `memreplay import lackey LOG -o t.mrt`.
struct ImportLackey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lackey",
        abstract: "Convert valgrind lackey --trace-mem=yes output (I, L, S, M records) into a trace.",
        discussion: """
            The log has no address space: before the first touch of each uncovered --region-size
            chunk the trace gets a region event mapping it anonymous rwx, so the kernel model faults
            pages in instead of raising SIGSEGV (header attribute address_space=inferred-regions).
            valgrind's ==PID== lines are skipped; any other line that is not a record is an error
            naming the line.

            Example:
              valgrind --tool=lackey --trace-mem=yes --log-file=prog.log ./prog
              memreplay import lackey prog.log -o prog.mrt
              memreplay replay prog.mrt --set hw.preset=cachegrind -o prog.db
            """)
    @Argument(help: "The lackey log (valgrind --tool=lackey --trace-mem=yes --log-file=LOG).")
    var log: String
    @Option(name: .shortAndLong, help: "Trace file to write (default: the log's name with .mrt).")
    var output: String?
    @Option(help: "Size of the inferred regions (a power of two ≥ 4K).")
    var regionSize: String = "2M"
    @Option(help: "Process id the events carry (default: the log's ==PID==, else 1).")
    var pid: UInt32 = 0
    @Option(help: "zstd compression level (1–19).")
    var level: Int = 6
    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false
    @Flag(help: "Report progress on stderr (bytes of the log read, rate, percent, ETA) even when stderr is not a terminal; on a terminal it shows unless -q.")
    var progress = false

    func run() throws {
        guard let bytes = MachineConfiguration.parseSize(regionSize), bytes >= Page.size, bytes & (bytes - 1) == 0 else {
            throw ValidationError("--region-size \(regionSize): expected a power of two ≥ 4K such as 2M")
        }
        guard (1...19).contains(level) else { throw ValidationError("--level must be between 1 and 19, got \(level)") }
        let out = output ?? ((log.hasSuffix(".log") ? String(log.dropLast(4)) : log) + ".mrt")
        let importer = LackeyImporter(regionBytes: bytes, pid: pid)
        let reporter = ProgressReporter.make(label: "import", forced: progress, quiet: quiet)
        // The log's size is the total; a log that cannot be read fails in the importer, naming it.
        let size = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? NSNumber)?.uint64Value ?? 0
        var read: UInt64 = 0
        let counts: (records: UInt64, regions: UInt64)
        do {
            counts = try importer.convert(log: log, to: out, commandLine: CommandLine.arguments, compressionLevel: level,
                                          progress: reporter.map { r in { bytes, records in
                                              read = bytes
                                              r.show { $0.meter.bytesLine(done: bytes, total: max(size, bytes), elapsed: $0.elapsed,
                                                                          yielded: records, what: "accesses") }
                                          } })
        } catch {
            reporter?.clear()
            throw error
        }
        if let reporter {
            reporter.finish(line: reporter.meter.bytesFinished(done: read, elapsed: reporter.elapsed, yielded: counts.records, what: "accesses"))
        }
        if !quiet { print("\(out): \(counts.records) accesses, \(counts.regions) inferred regions") }
    }
}
