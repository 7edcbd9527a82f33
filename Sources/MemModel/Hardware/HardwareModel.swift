import MemTrace

/// The hardware layer's interface: for each access, the virtual address, its kind and size and
/// the translation the kernel resolved go in; what the TLBs, caches and DRAM did comes out.
///
/// The hardware models (TLBs, page-walk caches, L1/L2/L3, DRAM, NUMA) implement this; a replay
/// configured without one uses `NoHardware`, which models nothing and reports nothing.
public protocol HardwareModel {
    /// Called for every completed access (no signal); returns the latency in cycles, 0 when unmodelled.
    mutating func access(_ access: MemoryAccess, frame: PageFrameNumber, walk: [PageFrameNumber]) -> UInt32
    /// The translation of `vpn` in the address space `asid` changed (unmap, mprotect, COW): flush it.
    mutating func invalidate(asid: UInt32, vpn: UInt64)
    /// Summary metrics (for example `cachegrind.D1mr`).
    func metrics() -> [(name: String, value: Double)]
    /// True when the model does anything (the engine skips walks and calls otherwise).
    var isEnabled: Bool { get }
}

/// A replay with no hardware model: accesses cost nothing and nothing is reported.
public struct NoHardware: HardwareModel {
    public init() {}
    @inlinable public mutating func access(_ access: MemoryAccess, frame: PageFrameNumber, walk: [PageFrameNumber]) -> UInt32 { 0 }
    @inlinable public mutating func invalidate(asid: UInt32, vpn: UInt64) {}
    public func metrics() -> [(name: String, value: Double)] { [] }
    public var isEnabled: Bool { false }
}
