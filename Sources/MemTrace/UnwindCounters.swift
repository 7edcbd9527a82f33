/// The interposer's unwinder counters: frames unwound, and walks that stopped at a pc with no
/// FDE, at a CFI rule it does not handle (an expression, a signal frame), at a stack slot outside
/// the thread's stack, or at the depth limit; and how many `.eh_frame` walks the interposer
/// memoised and how many calls reused one instead of unwinding (`--stacks dwarf`).
public struct UnwindCounters: Hashable, Sendable {
    public var frames: UInt64 = 0
    public var noFDE: UInt64 = 0
    public var unsupported: UInt64 = 0
    public var badRead: UInt64 = 0
    public var truncated: UInt64 = 0
    public var memoised: UInt64 = 0
    public var reused: UInt64 = 0
    public init() {}
}
