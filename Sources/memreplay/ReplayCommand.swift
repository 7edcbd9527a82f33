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
    @Flag(name: .customLong("no-symbolize"), help: "Store the trace's call stacks without symbolizing them (frames named object+offset; faster).")
    var noSymbolize = false
    @Option(name: .customLong("debug-root"), help: "A directory holding .build-id/ debuginfo files for symbolizing stacks (repeatable; default /usr/lib/debug).")
    var debugRoots: [String] = []

    func run() throws {
        let config = try resolveMachine(machine, settings)
        if quiet { RawRecording.announcesConversion = false }
        let out = output ?? defaultDatabasePath(for: trace)
        let choice = try AllocatorChoice.parse(allocator, mode: allocatorMode)
        let families: RowFamilies
        do { families = try RowFamilies(parsing: rows) } catch let error as StoreError { throw UsageFailure(error.message) }
        let reporter = ProgressReporter.make(label: "replay", total: TraceEventCount.scan(path: trace),
                                             forced: progress, quiet: quiet)
        let stacks = StackOptions(symbolize: !noSymbolize, debugRoots: debugRoots.isEmpty ? ["/usr/lib/debug"] : debugRoots)
        let (summary, stackLine) = try replayTrace(trace, machine: config, output: out, salvage: salvage, allocator: choice,
                                                   checkInvariants: checkInvariants, rows: families, stacks: stacks,
                                                   progress: reporter)
        if !quiet {
            printReplaySummary(summary, output: out)
            if let stackLine { print(stackLine) }
        }
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

/// How a replay stores the trace's call stacks: symbolized or not, and where debuginfo lives.
struct StackOptions {
    var symbolize = true
    var debugRoots = ["/usr/lib/debug"]
}

/// Replays `trace` on `machine` into the database at `output`; returns the summary and, when the
/// trace has stacks, the line saying how many frames were symbolized.
func replayTrace(_ trace: String, machine: MachineConfiguration, output: String, salvage: Bool,
                 allocator: AllocatorChoice? = nil, checkInvariants: Bool = false, rows: RowFamilies = .all,
                 stacks: StackOptions = StackOptions(),
                 progress: ProgressReporter? = nil) throws -> (ReplaySummary, stacks: String?) {
    let reader = try TraceReader(path: trace, salvage: salvage)
    guard let hash = TraceHash.of(path: trace) else { throw UsageFailure("\(trace): cannot read the trace") }
    let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
    let headerJSON = String(decoding: try enc.encode(reader.header), as: UTF8.self)
    let info = RunInfo(toolVersion: MemReplayVersionInfo.version, tracePath: trace, traceHash: hash,
                       configurationJSON: machine.json(), traceHeaderJSON: headerJSON,
                       startedAt: Date().timeIntervalSince1970)
    var info2 = info
    info2.userModel = allocator?.stored ?? ""
    let store = try SQLiteStore(path: output, snapshotEvery: machine.snapshotInterval, rows: rows, hardware: machine.hardware != nil)
    store.symbolizeStacks = stacks.symbolize
    // Traces with stacks get the `allocations` table (fast leak queries by site); the others keep
    // the replay as cheap as before, `v_allocations` computed from `alloc_calls` when queried.
    store.allocationRows = (reader.header.attributes["recorder.stacks"] ?? "none") != "none"
    store.debugRoots = stacks.debugRoots
    var replay = StoreReplay(reader: reader, sink: store, machine: machine, info: info2, checkInvariants: checkInvariants,
                             progress: progress)
    let summary = try allocator.feed(&replay)
    progress?.finish(summary.events)
    return (summary, store.stackSymbolization.flatMap { stackSummaryLine($0, seconds: store.stackSeconds, symbolized: stacks.symbolize) })
}

/// The summary line of a replay's stacks (nil when the trace has none).
func stackSummaryLine(_ s: StackSymbolization, seconds: Double, symbolized: Bool) -> String? {
    guard s.nodes > 0 else { return nil }
    let objects = s.objectSymbols.filter { !$0.hasPrefix("none: no frame") }.count
    guard symbolized else { return "  stacks: \(s.nodes) frames in \(objects) objects, not symbolized (--no-symbolize)" }
    return "  stacks: \(s.resolvedNodes) of \(s.nodes) frames resolved to functions (\(s.lookups) lookups in \(objects) objects, "
        + String(format: "%.2f s)", seconds)
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
