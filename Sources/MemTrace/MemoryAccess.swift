/// What kind of memory reference an access event is.
public enum AccessKind: UInt8, CaseIterable, Hashable, Sendable {
    /// A data read.
    case load = 0
    /// A data write.
    case store = 1
    /// A read-modify-write of one location (valgrind lackey's `M`).
    case modify = 2
    /// An instruction fetch.
    case instruction = 3
    /// A page first read by the program, known from a page fault (`record --accesses faults`):
    /// one touch per fault, not every access, so later reads of the page are not in the trace.
    case touchLoad = 4
    /// A page written, known from a page fault (a first write, or a write-protect fault).
    case touchStore = 5
    /// A page executed, known from an instruction-fetch fault.
    case touchFetch = 6
    /// A page touched, known from a fault of unknown direction (the `page-faults` software event,
    /// the pagemap scanner): the model takes it as a write where the VMA allows writing, else as a
    /// fetch where it allows only execution, else as a read.
    case touchAny = 7

    public var name: String {
        switch self {
        case .load: "load"; case .store: "store"; case .modify: "modify"; case .instruction: "ifetch"
        case .touchLoad: "touch_load"; case .touchStore: "touch_store"; case .touchFetch: "touch_fetch"
        case .touchAny: "touch_any"
        }
    }
    /// True when the access writes memory (store, modify, or a write fault's touch).
    @inlinable public var writes: Bool { self == .store || self == .modify || self == .touchStore }
    /// True for an instruction fetch, or the touch of an instruction-fetch fault.
    @inlinable public var fetches: Bool { self == .instruction || self == .touchFetch }
    /// True for a fault-derived touch: the first touch of a page (or a write-protect fault), not
    /// one access of a complete stream.
    @inlinable public var isTouch: Bool { rawValue >= 4 }
}

/// One load, store, modify or instruction fetch of `size` bytes at `address`.
public struct MemoryAccess: Hashable, Sendable {
    public var kind: AccessKind
    public var address: VirtualAddress
    public var size: UInt32
    /// The call stack of the code that took the fault, for a fault-derived touch recorded with
    /// `record --stacks fp|dwarf` (trace format 5); `.none` otherwise (and for every other kind).
    public var stack: StackID
    @inlinable public init(kind: AccessKind, address: VirtualAddress, size: UInt32, stack: StackID = .none) {
        self.kind = kind; self.address = address; self.size = size; self.stack = stack
    }
}
