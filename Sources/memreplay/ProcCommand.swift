import ArgumentParser
import Foundation
import MemTrace
import MemModel
import MemReplay
import MemStore

/// `memreplay proc`: a /proc view of a run at any event, or of a machine at boot.
struct ProcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proc",
        abstract: "Print a /proc view (\(ProcViews.all.map(\.name).joined(separator: ", "))) of a run or of a machine at boot.",
        discussion: """
            With a run database, the run's trace is replayed (on the run's resolved machine) up to
            event SEQ (default: the end); the trace must still be where the run found it, unchanged.
            With --machine, the view shows that machine right after boot.

            Views: \(ProcViews.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).

            Example:
              memreplay proc buddyinfo run.db --at 50000
              memreplay proc maps run.db --at 120 --pid 4242
              memreplay proc zoneinfo --machine host
            """)
    @Argument(help: "The view: \(ProcViews.all.map(\.name).joined(separator: ", ")).")
    var view: String
    @Argument(help: "A run database written by `memreplay replay`.")
    var database: String?
    @Option(help: "Show a machine at boot instead: a preset name, host, or a JSON file.")
    var machine: String?
    @Option(name: .customLong("set"), help: "Override a machine setting, key=value (repeatable; with --machine).")
    var settings: [String] = []
    @Option(help: "Show the state after event SEQ of the run (default: the end).")
    var at: UInt64?
    @Option(help: "The process, for per-process views.")
    var pid: UInt32?
    @Option(help: "The memory cgroup (a path such as memreplay or A/B), for the memory.* views (default: /memreplay, else the first).")
    var cgroup: String?

    func run() throws {
        guard let v = ProcViews.named(view) else {
            throw UsageFailure("unknown view '\(view)'; views: " + ProcViews.all.map(\.name).joined(separator: ", "))
        }
        if v.needsPID && pid == nil { throw UsageFailure("\(view) needs --pid") }
        let kernel: LinuxKernel
        switch (database, machine) {
        case (nil, nil): throw UsageFailure("give a run database or --machine")
        case (.some, .some): throw UsageFailure("give either a run database or --machine, not both")
        case (nil, let m?):
            if at != nil { throw UsageFailure("--at needs a run database") }
            kernel = LinuxKernel(configuration: try resolveMachine(m, settings))
        case (let db?, nil):
            if !settings.isEmpty { throw UsageFailure("--set applies to --machine; a run keeps its own machine") }
            kernel = try kernelOfRun(db, at: at)
        }
        print(try v.render(ProcViewContext(kernel: kernel, pid: pid.map { ProcessID($0) }, cgroup: cgroup)), terminator: "")
    }
}

/// Rebuilds the kernel model of run `database` after event `seq` by replaying its trace without a sink.
func kernelOfRun(_ database: String, at seq: UInt64?) throws -> LinuxKernel {
    guard FileManager.default.fileExists(atPath: database) else { throw UsageFailure("\(database): no such run database") }
    let rows: [[ResultSet.Value]]
    do {
        rows = try QueryRunner.execute(database: database, sql: "SELECT trace_path, trace_hash, config_json, events, user_model FROM runs WHERE id = 1").first?.rows ?? []
    } catch {
        throw UsageFailure("\(database): not a run database (\(error))")
    }
    guard let row = rows.first, row.count == 5, case .text(let path) = row[0], case .text(let hash) = row[1],
          case .text(let json) = row[2] else {
        throw UsageFailure("\(database): the runs table has no run row (expected trace_path, trace_hash, config_json)")
    }
    var events: UInt64 = 0
    if case .integer(let e) = row[3] { events = UInt64(max(0, e)) }
    if let s = seq, s > events { throw UsageFailure("--at \(s): the run has \(events) events") }
    guard FileManager.default.fileExists(atPath: path) else {
        throw UsageFailure("\(database): its trace \(path) is gone; the state is rebuilt by replaying it")
    }
    guard TraceHash.of(path: path) == hash else {
        throw UsageFailure("\(path): changed since \(database) was written (trace_hash differs)")
    }
    let machine: MachineConfiguration
    do { machine = try JSONDecoder().decode(MachineConfiguration.self, from: Data(json.utf8)) } catch {
        throw UsageFailure("\(database): runs.config_json is not a machine description (\(error))")
    }
    var userModel = ""
    if case .text(let u) = row[4] { userModel = u }
    let choice: AllocatorChoice?
    do { choice = try AllocatorChoice.parse(stored: userModel) } catch {
        throw UsageFailure("\(database): runs.user_model '\(userModel)' names no allocator model (\(error))")
    }
    let reader = try TraceReader(path: path, salvage: true)
    let info = RunInfo(toolVersion: MemReplayVersionInfo.version, tracePath: path, traceHash: hash,
                       configurationJSON: json, traceHeaderJSON: "", startedAt: 0)
    // The same user-space model as the run, so a re-allocated run's kernel state comes back too.
    var rebuild = KernelRebuild(source: PrefixTraceSource(reader, limit: seq ?? events), machine: machine, info: info)
    return try choice.feed(&rebuild)
}

/// Replays a prefix of a run's trace without a store and keeps the kernel model it ends with.
struct KernelRebuild: UserModelConsumer {
    var source: PrefixTraceSource<TraceReader>
    let machine: MachineConfiguration
    let info: RunInfo

    mutating func consume<User: UserSpaceModel>(_ user: User) throws -> LinuxKernel {
        var sink = DiscardingSink()
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine), user: user, hardware: NoHardware(),
                                  snapshotInterval: Int.max)
        _ = try engine.run(&source, into: &sink, run: info, endedAt: { 0 })
        return engine.kernel
    }
}
