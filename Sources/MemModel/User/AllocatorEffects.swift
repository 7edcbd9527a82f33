import MemTrace

/// The kernel as an allocator model reaches it during one malloc-family call: performs one system
/// call and returns the kernel's result (an address, 0, −errno; brk returns the break now).
///
/// The replay engine supplies it as a non-escaping closure that hands the call to its kernel
/// model: the engine mediates, the allocator never holds or calls the kernel itself.
public typealias AllocatorKernel = (AllocatorSyscall) -> Int64

/// An allocator model's side of its conversation with the kernel, and what it did besides
/// returning addresses: the system calls it made, each with the kernel's answer, and the memory it
/// wrote itself.
///
/// **How the kernel is reached.** A model calls `perform(_:)` and acts on the answer before it
/// commits to anything, as the real allocators do: glibc's `sysmalloc` falls back from a refused
/// brk to mmap and returns NULL (ENOMEM) when mmap is refused too; jemalloc's extent growth
/// returns NULL. The answer comes from
/// - the engine's kernel model, in re-allocated replay: `ModeledHeap` stores the engine's
///   `AllocatorKernel` in `kernel` for the duration of one malloc-family call only. Every address
///   the model uses is then one the kernel returned; the model keeps no address space of its own
///   (`standIn` is never asked and stays empty);
/// - otherwise `standIn`, a `StandInKernel` that moves the break and places mappings without
///   refusing (report mode, unit tests, benchmarks).
///
/// **Cost.** Storing the closure is one assignment per malloc-family call; it is called only on
/// the slow paths that make system calls (heap growth and trimming, mapped chunks, extents, purges).
/// The fast paths (tcache, bins, slabs, free lists) never reach it. No request/response round
/// trip through the engine is needed, so an allocator's state is never left half-committed.
public struct AllocatorEffects {
    /// The system calls made since the last drain, each with the kernel's answer in `result`.
    public private(set) var syscalls: [AllocatorSyscall] = []
    public var touches: [AllocatorTouch] = []
    /// Collect touches (off by default: only re-allocated replay feeds them to the kernel).
    public var recordTouches = false
    /// Answers the calls while no kernel is attached.
    public private(set) var standIn: StandInKernel
    /// The engine's kernel for the malloc-family call in progress (re-allocated replay), else nil.
    var kernel: AllocatorKernel?

    public init(standIn: StandInKernel = StandInKernel(layout: HeapLayout())) { self.standIn = standIn }

    @inlinable public var isEmpty: Bool { syscalls.isEmpty && touches.isEmpty }

    /// Makes one system call and returns the kernel's answer (the answer is also logged in
    /// `syscalls`; per-call counts are kept by `AllocatorRunStatistics`).
    @discardableResult
    public mutating func perform(_ call: AllocatorSyscall) -> Int64 {
        var c = call
        c.result = kernel.map { $0(call) } ?? standIn.perform(call)
        syscalls.append(c)
        return c.result
    }

    /// Records a write of `length` bytes at `address` by the allocator.
    @inline(__always) public mutating func touch(_ address: UInt64, _ length: UInt64 = 8) {
        if recordTouches { touches.append(AllocatorTouch(address: address, length: length)) }
    }

    /// Forgets the calls and touches collected so far (the totals stay).
    public mutating func drain() {
        if !syscalls.isEmpty { syscalls.removeAll(keepingCapacity: true) }
        if !touches.isEmpty { touches.removeAll(keepingCapacity: true) }
    }
}
