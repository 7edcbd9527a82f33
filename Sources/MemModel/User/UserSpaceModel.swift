import MemTrace

/// The user-space allocator layer's interface: malloc-family calls in, what the allocator did out.
///
/// `RecordedHeap` follows the trace's own results (replay "as recorded"); allocator models
/// (ptmalloc, jemalloc-like, fit policies) implement the same protocol to choose addresses themselves.
public protocol UserSpaceModel {
    /// Handles one call of process `pid`; returns the usable size of the block returned and the
    /// payload bytes live in the process afterwards.
    mutating func allocation(_ call: AllocationCall, pid: ProcessID) -> (blockSize: UInt64, liveBytes: UInt64)
    /// Forgets a process's heap (exit or exec) or copies it to a child (fork).
    mutating func processEnded(_ pid: ProcessID)
    mutating func processForked(parent: ProcessID, child: ProcessID)
    /// Summary metrics under `alloc.*`.
    func metrics() -> [(name: String, value: Double)]
}
