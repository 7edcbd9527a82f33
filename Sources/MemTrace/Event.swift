/// One event of a trace: what a thread did to memory.
///
/// Every case carries a plain value (no strings or arrays), so an event is a trivially copyable
/// value and the hot replay loop never touches the heap.
public enum Event: Hashable, Sendable {
    case access(MemoryAccess)
    case process(ProcessEvent)
    case alloc(AllocationCall)
    case memory(MemoryCall)
    case file(FileCall)
    case control(ControlEvent)

    /// The flat kind of this event (one value per operation).
    @inlinable public var kind: EventKind {
        switch self {
        case .access(let a): EventKind(rawValue: EventKind.accessBase + a.kind.rawValue)!
        case .process(let p): EventKind(rawValue: EventKind.processBase + p.op.rawValue)!
        case .alloc(let a): EventKind(rawValue: EventKind.allocBase + a.op.rawValue)!
        case .memory(let m): EventKind(rawValue: EventKind.memoryBase + m.op.rawValue)!
        case .file(let f): EventKind(rawValue: EventKind.fileBase + f.op.rawValue)!
        case .control(let c): EventKind(rawValue: EventKind.controlBase + c.op.rawValue)!
        }
    }
}

/// A trace event with its context: which thread of which process did it, and when.
public struct TraceRecord: Hashable, Sendable {
    /// Nanoseconds since the start of the trace (accesses inherit the previous event's time).
    public var time: UInt64
    public var pid: ProcessID
    public var tid: ThreadID
    public var event: Event

    @inlinable public init(time: UInt64, pid: ProcessID, tid: ThreadID, event: Event) {
        self.time = time; self.pid = pid; self.tid = tid; self.event = event
    }
}
