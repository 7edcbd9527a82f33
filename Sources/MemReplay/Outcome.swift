import MemTrace
import MemModel

/// What the replay made of one trace event: the event itself, its sequence number, and the
/// family-specific result the models returned.
public struct Outcome: Hashable, Sendable {
    /// The event's position in the trace, from 1.
    public var seq: UInt64
    public var record: TraceRecord
    public var detail: OutcomeDetail

    @inlinable public init(seq: UInt64, record: TraceRecord, detail: OutcomeDetail) {
        self.seq = seq; self.record = record; self.detail = detail
    }
}

/// The family-specific part of an outcome: the models' own result types, held as the models
/// returned them (the case always matches the event's family).
public enum OutcomeDetail: Hashable, Sendable {
    /// The kernel's translation of a load, store, modify or fetch, and what the hardware model did
    /// with it (`HardwareOutcome.none` when no hardware is modelled or the access failed).
    case access(Translation, hardware: HardwareOutcome)
    /// The kernel's result for a process lifecycle event.
    case process(ProcessResult)
    /// The user-space allocator layer's result for a malloc-family call.
    case alloc(AllocationResult)
    /// The kernel's result for a memory system call.
    case memory(SyscallResult)
    /// The page cache's result for a file operation.
    case file(FileResult)
    /// Control events have no result.
    case control
}
