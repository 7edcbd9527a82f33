import MemTrace
import MemModel

/// Where the replay engine sends what it found, in event order; the SQLite store is one.
///
/// Calls arrive in this order: `begin`, `declareCounters`, then any mix of the per-event calls
/// (exactly one `record` per trace event, in sequence order), then `stacks` once, then `finish`. `abort` may replace
/// `finish` at any point and must leave nothing behind.
public protocol OutcomeSink {
    mutating func begin(_ run: RunInfo) throws
    /// Names the counters `snapshot` values refer to, in order.
    mutating func declareCounters(_ names: [String]) throws
    /// One outcome per trace event.
    mutating func record(_ outcome: Outcome) throws
    mutating func fault(_ fault: FaultRecord) throws
    mutating func process(_ process: ProcessRecord) throws
    mutating func thread(_ thread: ThreadRecord) throws
    mutating func vma(_ vma: VMARecord) throws
    /// A VMA an event created, changed or removed (after the `vma` row that describes it).
    mutating func vmaChange(_ change: VMAChangeRecord) throws
    mutating func file(_ file: FileRecord) throws
    /// An OOM kill during event `seq`.
    mutating func oomKill(seq: UInt64, _ kill: OOMKill) throws
    /// The stall event `seq` of `pid` suffered (sent only when it had one, after its outcome).
    mutating func stall(seq: UInt64, pid: ProcessID, _ stall: MemoryStall) throws
    /// A string of the trace's string table, sent before the first outcome that uses it.
    mutating func string(_ id: StringID, _ text: String) throws
    mutating func snapshot(_ snapshot: CounterSnapshot) throws
    mutating func sample(_ sample: ProcessSample) throws
    /// The trace's objects and stack nodes, once, after the last event and before `finish`.
    mutating func stacks(_ table: StackTable) throws
    /// The run's summary figures; the sink completes its output.
    mutating func finish(metrics: [Metric], endedAt: Double) throws
    /// Abandons the output.
    mutating func abort()
}

extension OutcomeSink {
    /// Sinks that keep no VMA history ignore the changes.
    public mutating func vmaChange(_ change: VMAChangeRecord) throws {}
    /// Sinks that keep no OOM history ignore the kills.
    public mutating func oomKill(seq: UInt64, _ kill: OOMKill) throws {}
    /// Sinks that keep no stalls ignore them.
    public mutating func stall(seq: UInt64, pid: ProcessID, _ stall: MemoryStall) throws {}
    /// Sinks that keep no stacks ignore them.
    public mutating func stacks(_ table: StackTable) throws {}
}
