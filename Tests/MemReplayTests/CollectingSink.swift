import MemTrace
@testable import MemReplay

/// An outcome sink that keeps everything in memory, for assertions.
struct CollectingSink: OutcomeSink {
    var began = false, finished = false, aborted = false
    var counterNames: [String] = []
    var outcomes: [Outcome] = []
    var faults: [FaultRecord] = []
    var processes: [ProcessRecord] = []
    var threads: [ThreadRecord] = []
    var vmas: [VMARecord] = []
    var files: [FileRecord] = []
    var strings: [StringID: String] = [:]
    var snapshots: [CounterSnapshot] = []
    var samples: [ProcessSample] = []
    var metrics: [Metric] = []
    var stackTable: StackTable?

    mutating func begin(_ run: RunInfo) throws { began = true }
    mutating func declareCounters(_ names: [String]) throws { counterNames = names }
    mutating func record(_ outcome: Outcome) throws { outcomes.append(outcome) }
    mutating func fault(_ fault: FaultRecord) throws { faults.append(fault) }
    mutating func process(_ process: ProcessRecord) throws { processes.append(process) }
    mutating func thread(_ thread: ThreadRecord) throws { threads.append(thread) }
    mutating func vma(_ vma: VMARecord) throws { vmas.append(vma) }
    mutating func file(_ file: FileRecord) throws { files.append(file) }
    mutating func string(_ id: StringID, _ text: String) throws { strings[id] = text }
    mutating func snapshot(_ snapshot: CounterSnapshot) throws { snapshots.append(snapshot) }
    mutating func sample(_ sample: ProcessSample) throws { samples.append(sample) }
    mutating func stacks(_ table: StackTable) throws { stackTable = table }
    mutating func finish(metrics: [Metric], endedAt: Double) throws { self.metrics = metrics; finished = true }
    mutating func abort() { aborted = true }

    /// The value of counter `name` in snapshot `s`.
    func counter(_ name: String, in s: CounterSnapshot) -> Int64 { s.values[counterNames.firstIndex(of: name)!] }
    func metric(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }
}

let testRun = RunInfo(toolVersion: "test", tracePath: "mem", traceHash: "fnv1a64:0", configurationJSON: "{}",
                      traceHeaderJSON: "{}", startedAt: 0)
