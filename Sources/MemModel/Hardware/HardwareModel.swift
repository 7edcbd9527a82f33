import MemTrace

/// The hardware layer's interface: for each completed access the virtual address, its kind and
/// size, the address space and the translation the kernel resolved (frame, and on request the
/// page-table frames a walk reads) go in; what the TLBs, caches and DRAM did comes out.
///
/// The engine hands `access(_:asid:frame:walkIfNeeded:)` a closure that reads the kernel's page
/// table, called only when every TLB misses (the same as asking `needsWalk` first, without a
/// second TLB probe); TLB invalidations arrive from the kernel as values.
public protocol HardwareModel {
    /// True when the model does anything (the engine skips everything otherwise).
    var isEnabled: Bool { get }
    /// True when an access by `asid` to `access.address` would miss every TLB, so the page-table
    /// frames of the walk are needed. Must not change the model's state.
    func needsWalk(_ access: MemoryAccess, asid: UInt32) -> Bool
    /// One completed access (no signal): `frame` is the frame of the first byte, `walk` the tables
    /// a walk reads (`PageWalk.unknown` unless `needsWalk` said so).
    mutating func access(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber, walk: PageWalk) -> HardwareOutcome
    /// One completed access, the walk's tables read from `walk` only when the access misses every
    /// TLB: the same outcome and state as `access(_:asid:frame:walk:)` given
    /// `needsWalk(access, asid:) ? walk() : .unknown`, in one TLB lookup.
    mutating func access(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber,
                         walkIfNeeded walk: () -> PageWalk) -> HardwareOutcome
    /// The translations of [firstVPN, endVPN) of address space `asid` changed (munmap, mprotect,
    /// COW, MADV_DONTNEED, exit): flush them, as `flush_tlb_mm_range` does.
    mutating func invalidate(asid: UInt32, firstVPN: UInt64, endVPN: UInt64)
    /// A fault-derived touch (`record --accesses faults`): one page the program touched first, not
    /// one access of a complete stream. The model does not simulate it; it counts it and its
    /// metrics then say the access stream was incomplete (`hw.stream_complete` 0).
    mutating func touched(_ access: MemoryAccess, asid: UInt32)
    /// Summary metrics (`cachegrind.*`, `tlb.*`, `cache.*`, `dram.*`, `numa.*`).
    func metrics() -> [(name: String, value: Double)]
}

extension HardwareModel {
    /// `needsWalk`, then `access(_:asid:frame:walk:)` with `walk()` when it said so.
    public mutating func access(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber,
                                walkIfNeeded walk: () -> PageWalk) -> HardwareOutcome {
        let tables = needsWalk(access, asid: asid) ? walk() : PageWalk.unknown
        return self.access(access, asid: asid, frame: frame, walk: tables)
    }
}

/// A replay with no hardware model: accesses cost nothing and nothing is reported.
public struct NoHardware: HardwareModel {
    public init() {}
    @inlinable public var isEnabled: Bool { false }
    @inlinable public func needsWalk(_ access: MemoryAccess, asid: UInt32) -> Bool { false }
    @inlinable public mutating func access(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber, walk: PageWalk) -> HardwareOutcome { .none }
    @inlinable public mutating func access(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber,
                                           walkIfNeeded walk: () -> PageWalk) -> HardwareOutcome { .none }
    @inlinable public mutating func invalidate(asid: UInt32, firstVPN: UInt64, endVPN: UInt64) {}
    @inlinable public mutating func touched(_ access: MemoryAccess, asid: UInt32) {}
    public func metrics() -> [(name: String, value: Double)] { [] }
}
