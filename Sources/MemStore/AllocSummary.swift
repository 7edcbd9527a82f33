import MemModel
import MemTrace

/// The allocator model's outcomes summed exactly during a replay: per (call, path) the calls, bytes
/// requested, chunk bytes and system calls (`alloc_path_summary`), and the sequence numbers of the
/// calls that made system calls (`alloc_syscall_calls`). They answer `queries/alloc-paths.sql` and
/// `alloc-syscalls.sql` without a scan of every `alloc_outcomes` row.
///
/// Counts exactly the calls that have an `alloc_outcomes` row (`SQLiteStore.recordAllocOutcome`'s
/// rule: an allocator model ran), whatever `--rows` keeps.
public struct AllocSummary: Sendable {
    /// Sums per group.
    public static let width = 4
    /// Column offsets within a group's sums.
    public enum Column {
        public static let calls = 0, requested = 1, chunkBytes = 2, syscalls = 3
    }
    static let paths = 256

    /// `width` sums per (op · `paths` + path), allocated on first use.
    var sums: [Int64] = []
    /// The calls that made at least one system call, in order.
    public private(set) var syscallCalls: [UInt64] = []

    public init() {}

    /// Adds one call `a` (at `seq`) that the allocator model served as `r`.
    @inline(__always)
    public mutating func add(seq: UInt64, _ a: AllocationCall, _ r: AllocationResult) {
        let g = (Int(a.op.rawValue) * AllocSummary.paths + Int(r.path.rawValue)) * AllocSummary.width
        if g >= sums.count { sums.append(contentsOf: repeatElement(0, count: g + AllocSummary.width - sums.count)) }
        // `a.size * max(a.count, 1)` as SQLite computes it on the stored (signed) columns.
        let requested = Int64(bitPattern: a.size) &* max(Int64(bitPattern: a.count), 1)
        sums.withUnsafeMutableBufferPointer { s in
            s[g + Column.calls] &+= 1
            s[g + Column.requested] &+= requested
            s[g + Column.chunkBytes] &+= Int64(bitPattern: r.chunkSize)
            s[g + Column.syscalls] &+= Int64(r.syscalls)
        }
        if r.syscalls > 0 { syscallCalls.append(seq) }
    }

    /// The groups with calls as (op, path, calls, requested, chunk bytes, syscalls), by op and path.
    public var rows: [(op: UInt8, path: UInt8, sums: [Int64])] {
        stride(from: 0, to: sums.count, by: AllocSummary.width).compactMap { g in
            guard sums[g + Column.calls] > 0 else { return nil }
            let i = g / AllocSummary.width
            return (UInt8(i / AllocSummary.paths), UInt8(i % AllocSummary.paths), Array(sums[g..<(g + AllocSummary.width)]))
        }
    }

    /// Calls counted.
    public var calls: Int64 { stride(from: Column.calls, to: sums.count, by: AllocSummary.width).reduce(0) { $0 + sums[$1] } }

    /// Every broken rule, as sentences; empty when consistent: whole groups, no negative call or
    /// system-call count, no sum in a group without calls, the calls with system calls in increasing
    /// order and at most the calls, and at most as many of them as system calls.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        if sums.count % AllocSummary.width != 0 { return ["\(sums.count) sums, not whole groups of \(AllocSummary.width)"] }
        var syscalls: Int64 = 0
        for g in stride(from: 0, to: sums.count, by: AllocSummary.width) {
            let i = g / AllocSummary.width, name = "op \(i / AllocSummary.paths), path \(i % AllocSummary.paths)"
            if sums[g + Column.calls] < 0 || sums[g + Column.syscalls] < 0 { problems.append("\(name): a negative count") }
            if sums[g + Column.calls] == 0 && sums[g..<(g + AllocSummary.width)].contains(where: { $0 != 0 }) {
                problems.append("\(name): sums without calls")
            }
            syscalls += sums[g + Column.syscalls]
        }
        if zip(syscallCalls, syscallCalls.dropFirst()).contains(where: { $0 >= $1 }) {
            problems.append("the calls with system calls are not in increasing order")
        }
        if Int64(syscallCalls.count) > calls { problems.append("\(syscallCalls.count) calls with system calls of \(calls)") }
        if Int64(syscallCalls.count) > syscalls { problems.append("\(syscallCalls.count) calls with system calls, \(syscalls) system calls") }
        return problems
    }
}
