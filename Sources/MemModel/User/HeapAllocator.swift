import MemTrace

/// An allocator model: the malloc family in, addresses out. Its system calls go through `effects`
/// (`AllocatorEffects.perform`), which returns the kernel's answer before the model commits to it,
/// and the memory it writes itself is collected there too.
///
/// Every model (ptmalloc, jemalloc-like, the classic fit policies, buddy) implements it, so any
/// trace can run on any of them. Addresses are user pointers; 0 means failure (or, for free, none).
public protocol HeapAllocator {
    /// The name `--allocator` selects it by.
    var name: String { get }
    mutating func malloc(_ size: UInt64, thread: UInt32) -> UInt64
    /// calloc: the block is zeroed (a touch of the part not known to be fresh from the kernel).
    mutating func calloc(_ count: UInt64, _ size: UInt64, thread: UInt32) -> UInt64
    /// realloc: in place, by copy, or by mremap; `realloc(0, n)` mallocs, `realloc(p, 0)` frees.
    mutating func realloc(_ pointer: UInt64, _ size: UInt64, thread: UInt32) -> UInt64
    /// memalign family: `alignment` a power of two (others are rounded up as glibc does).
    mutating func memalign(_ alignment: UInt64, _ size: UInt64, thread: UInt32) -> UInt64
    mutating func free(_ pointer: UInt64, thread: UInt32)
    /// malloc_usable_size: the bytes the block can hold (0 for an unknown pointer).
    func usableSize(_ pointer: UInt64) -> UInt64
    /// A thread exited: its caches go back to the heap.
    mutating func threadEnded(_ thread: UInt32)
    /// The chunk or size-class size and the path of the last call.
    var lastChunkSize: UInt64 { get }
    var lastPath: AllocPath { get }
    /// Memory held from the kernel now: heap above the initial break, mapped and not purged.
    var heapBytes: UInt64 { get }
    /// Bytes of the blocks handed out and not freed, headers and rounding included.
    var allocatedBytes: UInt64 { get }
    /// Blocks examined while searching free lists, since the start (the seed's search cost).
    var searchSteps: UInt64 { get }
    /// The program break above its start now (0 for models that do not use brk).
    var breakBytes: UInt64 { get }
    var effects: AllocatorEffects { get set }
    /// The address ranges the model holds from the kernel now, with their protections (what the
    /// process's VMAs must show for the model's memory).
    var mappings: [AllocatorMapping] { get }
    /// The trace's clock moved on (nanoseconds); models with time-based behaviour (decay) use it.
    mutating func advanceClock(to nanoseconds: UInt64)
    /// Broken invariants of the model's structures (empty when consistent).
    func invariantViolations() -> [String]
}

extension HeapAllocator {
    public mutating func advanceClock(to nanoseconds: UInt64) {}
}

/// Where a `StandInKernel` puts a model's heap and mappings when no kernel model answers the
/// model's system calls (in re-allocated replay the kernel model decides both).
public struct HeapLayout: Hashable, Sendable {
    /// The initial program break (start_brk).
    public var breakStart: UInt64
    /// Mappings are placed top-down below this address.
    public var mmapCeiling: UInt64

    public init(breakStart: UInt64 = HeapLayout.defaultBreakStart, mmapCeiling: UInt64 = HeapLayout.defaultMmapCeiling) {
        self.breakStart = breakStart; self.mmapCeiling = mmapCeiling
    }

    /// Where an x86-64 PIE's heap usually starts.
    public static let defaultBreakStart: UInt64 = 0x5555_5555_9000
    /// Far below the shared libraries and the kernel's mmap_base.
    public static let defaultMmapCeiling: UInt64 = 0x7e00_0000_0000

    /// The layout for a process whose initial mappings are `regions`: the break after the
    /// highest mapping of the executable's half of the address space (as the kernel's
    /// `arch_randomize_brk` leaves it, without randomization), or the `[heap]` start.
    public static func forRegions(_ regions: [MappedRegion]) -> HeapLayout {
        if let heap = regions.first(where: { $0.path == "[heap]" }) { return HeapLayout(breakStart: heap.start) }
        let low = regions.filter { $0.path != "[stack]" && $0.end < 0x7000_0000_0000 }.map(\.end).max()
        guard let end = low else { return HeapLayout() }
        return HeapLayout(breakStart: (end + 4095) & ~4095)
    }
}
