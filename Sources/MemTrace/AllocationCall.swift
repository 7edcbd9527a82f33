/// The malloc family of calls.
public enum AllocOp: UInt8, CaseIterable, Hashable, Sendable {
    case malloc = 0, calloc = 1, realloc = 2, reallocarray = 3, free = 4
    case posixMemalign = 5, memalign = 6, alignedAlloc = 7, valloc = 8, pvalloc = 9

    public var name: String {
        switch self {
        case .malloc: "malloc"; case .calloc: "calloc"; case .realloc: "realloc"
        case .reallocarray: "reallocarray"; case .free: "free"; case .posixMemalign: "posix_memalign"
        case .memalign: "memalign"; case .alignedAlloc: "aligned_alloc"; case .valloc: "valloc"
        case .pvalloc: "pvalloc"
        }
    }
}

/// One call of the malloc family with its arguments and result.
///
/// `pointer` is the block passed in (realloc, reallocarray, free); `size` the requested size in
/// bytes (for calloc and reallocarray the element size); `count` the element count (calloc,
/// reallocarray); `alignment` the alignment (memalign family); `result` the returned block (for
/// posix_memalign, the pointer stored) and `error` the errno-style failure (posix_memalign's return
/// value, or ENOMEM when a call returned NULL). `stack` is the call stack of the call in the
/// trace's stack table (`memreplay record --stacks`; `.none` when not recorded).
public struct AllocationCall: Hashable, Sendable {
    public var op: AllocOp
    public var pointer: VirtualAddress
    public var size: UInt64
    public var count: UInt64
    public var alignment: UInt64
    public var result: VirtualAddress
    public var error: Int32
    public var stack: StackID

    @inlinable public init(op: AllocOp, pointer: VirtualAddress = .null, size: UInt64 = 0, count: UInt64 = 0,
                           alignment: UInt64 = 0, result: VirtualAddress = .null, error: Int32 = 0, stack: StackID = .none) {
        self.op = op; self.pointer = pointer; self.size = size; self.count = count
        self.alignment = alignment; self.result = result; self.error = error; self.stack = stack
    }

    /// The number of bytes requested (count × size for calloc and reallocarray).
    @inlinable public var requestedBytes: UInt64 {
        (op == .calloc || op == .reallocarray) ? count &* size : size
    }
}
