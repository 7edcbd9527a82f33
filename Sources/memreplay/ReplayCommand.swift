import ArgumentParser
import Foundation
import MemTrace
import MemModel
import MemReplay
import MemStore

/// `memreplay replay`: runs a trace through the models into a run database.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a trace through the models and store every outcome in a SQLite database.",
        discussion: """
            Machines: \(MachineConfiguration.presets.keys.sorted().joined(separator: ", ")) (default \(MachineConfiguration.defaultPreset)), host, or a JSON file.
            Settings for --set: \(MachineConfiguration.settableKeys.map { "\($0.key) (\($0.meaning))" }.joined(separator: "; ")).

            Example:
              memreplay replay mappings.mrt --machine small-8g --set memory=16G -o run.db
            """)
    @Argument(help: "The trace file (.mrt).")
    var trace: String
    @Option(name: .shortAndLong, help: "Run database to write (default: the trace's name with .db).")
    var output: String?
    @Option(help: "Machine: a preset name, host, or a JSON file.")
    var machine: String = MachineConfiguration.defaultPreset
    @Option(name: .customLong("set"), help: "Override a machine setting, key=value (repeatable).")
    var settings: [String] = []
    @Flag(help: "Replay the events before a damaged block instead of failing.")
    var salvage = false
    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false
    @Flag(help: "Report progress on stderr (events, rate, percent, ETA) even when stderr is not a terminal; on a terminal it shows unless -q.")
    var progress = false
    @Option(help: "Re-allocate the trace's malloc calls with an allocator model: \(AllocatorKind.names.map(\.name).joined(separator: ", ")).")
    var allocator: String?
    @Option(help: "With --allocator: 'reallocate' (the model's addresses and syscalls drive the kernel) or 'report' (as recorded; the model only reports).")
    var allocatorMode: String = "reallocate"
    @Option(help: "Event families whose per-event rows are kept, a comma list of \(RowFamilies.allowedNames) (default all). Faults, VMAs, processes, counters, OOM kills, metrics and the summary tables are always written (access outcomes summed per pid, VMA, phase, kind and fault in access_summary; events per pid, phase and kind in event_summary; …).")
    var rows: String = "all"
    @Flag(help: "Check the kernel model's invariants after every event and stop at the first that breaks one (slow: for reporting model bugs).")
    var checkInvariants = false

    func run() throws {
        let config = try resolveMachine(machine, settings)
        let out = output ?? defaultDatabasePath(for: trace)
        let choice = try AllocatorChoice.parse(allocator, mode: allocatorMode)
        let families: RowFamilies
        do { families = try RowFamilies(parsing: rows) } catch let error as StoreError { throw UsageFailure(error.message) }
        let reporter = ProgressReporter.make(label: "replay", total: TraceEventCount.scan(path: trace),
                                             forced: progress, quiet: quiet)
        let summary = try replayTrace(trace, machine: config, output: out, salvage: salvage, allocator: choice,
                                      checkInvariants: checkInvariants, rows: families, progress: reporter)
        if !quiet { printReplaySummary(summary, output: out) }
    }
}

/// The machine for `spec` with `key=value` overrides applied.
func resolveMachine(_ spec: String, _ settings: [String]) throws -> MachineConfiguration {
    var config = try MachineConfiguration.resolve(spec)
    for s in settings {
        guard let eq = s.firstIndex(of: "=") else { throw UsageFailure("--set \(s): expected key=value") }
        try config.set(String(s[..<eq]), String(s[s.index(after: eq)...]))
    }
    return config
}

func defaultDatabasePath(for trace: String) -> String {
    (trace.hasSuffix(".mrt") ? String(trace.dropLast(4)) : trace) + ".db"
}

/// Replays `trace` on `machine` into the database at `output`.
func replayTrace(_ trace: String, machine: MachineConfiguration, output: String, salvage: Bool,
                 allocator: AllocatorChoice? = nil, checkInvariants: Bool = false, rows: RowFamilies = .all,
                 progress: ProgressReporter? = nil) throws -> ReplaySummary {
    let reader = try TraceReader(path: trace, salvage: salvage)
    guard let hash = TraceHash.of(path: trace) else { throw UsageFailure("\(trace): cannot read the trace") }
    let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
    let headerJSON = String(decoding: try enc.encode(reader.header), as: UTF8.self)
    let info = RunInfo(toolVersion: MemReplayVersionInfo.version, tracePath: trace, traceHash: hash,
                       configurationJSON: machine.json(), traceHeaderJSON: headerJSON,
                       startedAt: Date().timeIntervalSince1970)
    var info2 = info
    info2.userModel = allocator?.stored ?? ""
    var replay = StoreReplay(reader: reader, sink: try SQLiteStore(path: output, snapshotEvery: machine.snapshotInterval, rows: rows,
                                                                         hardware: machine.hardware != nil),
                             machine: machine, info: info2, checkInvariants: checkInvariants, progress: progress)
    let summary = try allocator.feed(&replay)
    progress?.finish(summary.events)
    return summary
}

/// A whole replay into the store with the user-space model it is handed.
struct StoreReplay: UserModelConsumer {
    var reader: TraceReader
    var sink: SQLiteStore
    let machine: MachineConfiguration
    let info: RunInfo
    var checkInvariants = false
    var progress: ProgressReporter?

    mutating func consume<User: UserSpaceModel>(_ user: User) throws -> ReplaySummary {
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine), user: user, hardware: MemoryHierarchy(machine.hardware ?? .none),
                                  snapshotInterval: machine.snapshotInterval)
        engine.checkInvariants = checkInvariants
        if let progress { engine.progress = { progress.update($0) } }
        return try engine.run(&reader, into: &sink, run: info, endedAt: { Date().timeIntervalSince1970 },
                              damage: { $0.damage.map { String(describing: $0) } })
    }
}

func printReplaySummary(_ s: ReplaySummary, output: String) {
    func m(_ n: String) -> String { s.metric(n).map { String(Int64($0)) } ?? "-" }
    print("\(output): \(s.events) events replayed")
    print("  faults: \(m("vmstat.pgfault")) (major \(m("vmstat.pgmajfault"))), pages freed \(m("vmstat.pgfree")), SIGSEGV \(m("kernel.sigsegv")), SIGBUS \(m("kernel.sigbus")), OOM kills \(m("vmstat.oom_kill"))")
    print("  at the end: MemFree \(m("meminfo.MemFree")) kB, Cached \(m("meminfo.Cached")) kB, AnonPages \(m("meminfo.AnonPages")) kB, Shmem \(m("meminfo.Shmem")) kB")
    if let d = s.damage { print("  salvaged: replay stopped at \(d)") }
}
