/// Where a translation was found.
public enum TLBOutcome: UInt8, Hashable, Sendable, CaseIterable {
    /// Not modelled (no TLBs, or virtual addressing).
    case none = 0
    case l1Hit = 1
    case l2Hit = 2
    /// Both levels missed: the page walker read the page tables.
    case walk = 3
    public var name: String { ["none", "l1", "l2", "walk"][Int(rawValue)] }
}

/// The level of the memory hierarchy that supplied data.
public enum MemoryLevel: UInt8, Hashable, Sendable, CaseIterable {
    case none = 0
    case l1 = 1
    case l2 = 2
    case l3 = 3
    case memory = 4
    public var name: String { ["none", "L1", "L2", "L3", "memory"][Int(rawValue)] }
}

/// What the addressed DRAM bank's row buffer did.
public enum DRAMOutcome: UInt8, Hashable, Sendable, CaseIterable {
    case none = 0
    /// The row was open: READ only.
    case rowHit = 1
    /// The bank was idle (precharged): ACTIVATE + READ.
    case rowMiss = 2
    /// Another row was open: PRECHARGE + ACTIVATE + READ.
    case rowConflict = 3
    public var name: String { ["none", "row_hit", "row_miss", "row_conflict"][Int(rawValue)] }
}

/// The hardware's answer to one access: TLB level, page-walk references and where each was
/// served, the level that served the data, the DRAM outcome and location, NUMA node, and latency.
public struct HardwareOutcome: Hashable, Sendable {
    public var tlb: TLBOutcome
    /// Page-table entries the walker read (0 without a walk).
    public var walkReferences: UInt8
    /// Where each walk reference was served: 3 bits per reference (a `MemoryLevel`), first in the low bits.
    public var walkServed: UInt16
    public var servedBy: MemoryLevel
    public var dram: DRAMOutcome
    public var dramChannel: UInt8
    public var dramRank: UInt8
    /// Bank within the rank: bank group · banks per group + bank.
    public var dramBank: UInt8
    public var numaNode: UInt8
    public var remote: Bool
    /// Cycles from issue to data, translation included.
    public var latency: UInt32

    @inlinable public init(tlb: TLBOutcome = .none, walkReferences: UInt8 = 0, walkServed: UInt16 = 0,
                           servedBy: MemoryLevel = .none, dram: DRAMOutcome = .none, dramChannel: UInt8 = 0,
                           dramRank: UInt8 = 0, dramBank: UInt8 = 0, numaNode: UInt8 = 0, remote: Bool = false,
                           latency: UInt32 = 0) {
        self.tlb = tlb; self.walkReferences = walkReferences; self.walkServed = walkServed; self.servedBy = servedBy
        self.dram = dram; self.dramChannel = dramChannel; self.dramRank = dramRank; self.dramBank = dramBank
        self.numaNode = numaNode; self.remote = remote; self.latency = latency
    }

    /// Nothing modelled.
    public static let none = HardwareOutcome()

    /// True when the hardware said anything about this access.
    @inlinable public var isModelled: Bool { servedBy != .none || tlb != .none }

    /// The level that served walk reference `i`.
    public func walkLevel(_ i: Int) -> MemoryLevel {
        MemoryLevel(rawValue: UInt8((walkServed >> UInt16(3 * i)) & 7)) ?? .none
    }
}
