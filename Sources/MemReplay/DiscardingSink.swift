import MemTrace

/// An outcome sink that keeps nothing: replaying into it rebuilds the models' state only (for
/// `memreplay proc VIEW run.db --at SEQ`).
public struct DiscardingSink: OutcomeSink {
    public init() {}
    public mutating func begin(_ run: RunInfo) throws {}
    public mutating func declareCounters(_ names: [String]) throws {}
    public mutating func record(_ outcome: Outcome) throws {}
    public mutating func fault(_ fault: FaultRecord) throws {}
    public mutating func process(_ process: ProcessRecord) throws {}
    public mutating func thread(_ thread: ThreadRecord) throws {}
    public mutating func vma(_ vma: VMARecord) throws {}
    public mutating func file(_ file: FileRecord) throws {}
    public mutating func string(_ id: StringID, _ text: String) throws {}
    public mutating func snapshot(_ snapshot: CounterSnapshot) throws {}
    public mutating func sample(_ sample: ProcessSample) throws {}
    public mutating func finish(metrics: [Metric], endedAt: Double) throws {}
    public mutating func abort() {}
}

/// A trace source that ends after `limit` records.
public struct PrefixTraceSource<Base: TraceSource>: TraceSource {
    public var base: Base
    public let limit: UInt64
    public private(set) var delivered: UInt64 = 0
    public init(_ base: Base, limit: UInt64) { self.base = base; self.limit = limit }
    public var header: TraceHeader { base.header }
    public mutating func next() throws -> TraceRecord? {
        guard delivered < limit, let r = try base.next() else { return nil }
        delivered += 1
        return r
    }
    public func string(_ id: StringID) -> String? { base.string(id) }
    public var stacks: StackTable { base.stacks }
}
