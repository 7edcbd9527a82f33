/// Event counts of a hardware run, under the names cachegrind and the docs use.
public struct HardwareCounters: Hashable, Sendable {
    /// cachegrind's: instructions, I1 and LL instruction read misses; data reads (loads and
    /// modifies), D1 and LL read misses; data writes, D1 and LL write misses.
    public var Ir: UInt64 = 0, I1mr: UInt64 = 0, ILmr: UInt64 = 0
    public var Dr: UInt64 = 0, D1mr: UInt64 = 0, DLmr: UInt64 = 0
    public var Dw: UInt64 = 0, D1mw: UInt64 = 0, DLmw: UInt64 = 0
    public var tlbAccesses: UInt64 = 0, tlbL1Hits: UInt64 = 0, tlbL2Hits: UInt64 = 0, tlbWalks: UInt64 = 0
    public var walkReferences: UInt64 = 0, walkCacheHits: UInt64 = 0
    /// Walk references by the level that served them (`MemoryLevel.rawValue`).
    public var walkServed: [UInt64] = [0, 0, 0, 0, 0]
    public var memoryReads: UInt64 = 0, memoryWrites: UInt64 = 0
    /// Fault-derived touches seen but not simulated (`HardwareModel.touched`).
    public var touchesNotSimulated: UInt64 = 0
    public var numaLocal: UInt64 = 0, numaRemote: UInt64 = 0
    public var latencyCycles: UInt64 = 0, accesses: UInt64 = 0

    public init() {}
}
