import MemTrace

/// Where the replay engine reads events from: a trace file, or records in memory.
public protocol TraceSource {
    var header: TraceHeader { get }
    mutating func next() throws -> TraceRecord?
    /// The text of string `id` if it has been defined so far.
    func string(_ id: StringID) -> String?
    /// The objects and stack nodes defined so far (the engine reads them once, at the end).
    var stacks: StackTable { get }
}

extension TraceSource {
    /// Sources without stacks define none.
    public var stacks: StackTable { StackTable() }
}

extension TraceReader: TraceSource {}

/// Records held in memory (tests, synthesizers feeding a replay directly).
public struct ArrayTraceSource: TraceSource {
    public var header: TraceHeader
    public var records: [TraceRecord]
    public var strings: [StringID: String]
    public var stacks: StackTable
    var position = 0

    public init(header: TraceHeader, records: [TraceRecord], strings: [StringID: String] = [:],
                stacks: StackTable = StackTable()) {
        self.header = header; self.records = records; self.strings = strings; self.stacks = stacks
    }

    public mutating func next() throws -> TraceRecord? {
        guard position < records.count else { return nil }
        defer { position += 1 }
        return records[position]
    }

    public func string(_ id: StringID) -> String? { strings[id] }
}
