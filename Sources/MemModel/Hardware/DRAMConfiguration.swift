/// A field of a DRAM address, as a memory controller decodes a physical address.
public enum DRAMField: String, Codable, Hashable, Sendable, CaseIterable {
    case column, channel, dimm, rank, bankGroup = "bankgroup", bank, row
}

/// Row-buffer management of the memory controller.
public enum PagePolicy: String, Codable, Hashable, Sendable {
    /// The row stays open after an access: the next access to it is a row hit.
    case open
    /// The row is precharged right after each access: every access activates (a row miss).
    case closed
}

/// One XOR term of the address mapping: bit `bit` of `field` is XORed with the parity of the
/// physical address bits `addressBits` (the bank/channel hashing of Intel and AMD controllers,
/// Zhang et al. "A permutation-based page interleaving scheme", MICRO 2000).
public struct DRAMXor: Codable, Hashable, Sendable {
    public var field: DRAMField
    public var bit: Int
    public var addressBits: [Int]
    public init(field: DRAMField, bit: Int, addressBits: [Int]) {
        self.field = field; self.bit = bit; self.addressBits = addressBits
    }
}

/// DRAM timings in memory-clock cycles (tCK each), as a DIMM's SPD lists them.
public struct DRAMTimings: Codable, Hashable, Sendable {
    /// Clock period in nanoseconds (0.625 for DDR4-3200).
    public var tCKns: Double
    /// CAS latency: READ to first data.
    public var tCL: Int
    /// ACTIVATE to READ.
    public var tRCD: Int
    /// PRECHARGE to ACTIVATE.
    public var tRP: Int
    /// ACTIVATE to PRECHARGE, minimum.
    public var tRAS: Int
    /// Data burst (BL/2 clocks: 4 for DDR4 BL8, 8 for DDR5 BL16).
    public var tBurst: Int
    /// Average refresh interval; 0 turns refresh off.
    public var tREFI: Int
    /// Refresh cycle time: the rank is busy this long at each refresh, and its rows are closed.
    public var tRFC: Int

    public init(tCKns: Double, tCL: Int, tRCD: Int, tRP: Int, tRAS: Int, tBurst: Int, tREFI: Int, tRFC: Int) {
        self.tCKns = tCKns; self.tCL = tCL; self.tRCD = tRCD; self.tRP = tRP; self.tRAS = tRAS
        self.tBurst = tBurst; self.tREFI = tREFI; self.tRFC = tRFC
    }
}

/// Organisation, address mapping, row policy and timings of main memory.
public struct DRAMConfiguration: Codable, Hashable, Sendable {
    public var name: String
    public var channels: Int
    public var dimmsPerChannel: Int
    public var ranksPerDimm: Int
    public var bankGroups: Int
    public var banksPerGroup: Int
    public var rows: Int
    /// Bytes of one row of a rank (the page size of the rank, 8 KiB for x8 DDR4 on a 64-bit bus).
    public var rowBytes: Int
    /// Bytes one request moves (the cache line).
    public var lineBytes: Int
    /// Fields from the lowest address bit (above the line offset) upward; each takes log2 of its count.
    public var mapping: [DRAMField]
    public var xor: [DRAMXor]
    public var policy: PagePolicy
    public var timings: DRAMTimings
    /// Memory-controller overhead per request (queueing, PHY), in nanoseconds.
    public var controllerNs: Double

    public init(name: String, channels: Int, dimmsPerChannel: Int, ranksPerDimm: Int, bankGroups: Int, banksPerGroup: Int,
                rows: Int, rowBytes: Int, lineBytes: Int = 64, mapping: [DRAMField], xor: [DRAMXor], policy: PagePolicy,
                timings: DRAMTimings, controllerNs: Double = 0) {
        self.name = name; self.channels = channels; self.dimmsPerChannel = dimmsPerChannel; self.ranksPerDimm = ranksPerDimm
        self.bankGroups = bankGroups; self.banksPerGroup = banksPerGroup; self.rows = rows; self.rowBytes = rowBytes
        self.lineBytes = lineBytes; self.mapping = mapping; self.xor = xor; self.policy = policy; self.timings = timings
        self.controllerNs = controllerNs
    }

    /// How many values `field` takes.
    public func count(of field: DRAMField) -> Int {
        switch field {
        case .column: rowBytes / lineBytes
        case .channel: channels
        case .dimm: dimmsPerChannel
        case .rank: ranksPerDimm
        case .bankGroup: bankGroups
        case .bank: banksPerGroup
        case .row: rows
        }
    }

    /// Throws when a count is not a power of two or the mapping does not name every field once.
    public func validate() throws {
        for f in DRAMField.allCases {
            let n = count(of: f)
            guard n > 0, n & (n - 1) == 0 else { throw ConfigurationError("dram \(name): \(f.rawValue) count \(n) is not a power of two") }
        }
        guard Set(mapping) == Set(DRAMField.allCases), mapping.count == DRAMField.allCases.count else {
            throw ConfigurationError("dram \(name): mapping must name each of \(DRAMField.allCases.map(\.rawValue).joined(separator: ", ")) once")
        }
        guard lineBytes > 0, lineBytes & (lineBytes - 1) == 0 else { throw ConfigurationError("dram \(name): line size must be a power of two") }
    }

    /// DDR4-3200 CL22-22-22, tRAS 52, tCK 0.625 ns; 8 Gb x8 devices (4 bank groups × 4 banks,
    /// 64 K rows, 8 KiB rank rows); tREFI 7.8 µs, tRFC 350 ns; two channels, one single-rank DIMM each.
    public static let ddr4_3200 = DRAMConfiguration(
        name: "DDR4-3200", channels: 2, dimmsPerChannel: 1, ranksPerDimm: 1, bankGroups: 4, banksPerGroup: 4,
        rows: 65536, rowBytes: 8192,
        mapping: [.column, .channel, .bankGroup, .bank, .rank, .dimm, .row],
        // Row bits start at address bit 18 (6 line + 7 column + 1 channel + 2 bank group + 2 bank):
        // bank and bank group are XORed with the row's low bits.
        xor: [DRAMXor(field: .bank, bit: 0, addressBits: [18]), DRAMXor(field: .bank, bit: 1, addressBits: [19]),
              DRAMXor(field: .bankGroup, bit: 0, addressBits: [20]), DRAMXor(field: .bankGroup, bit: 1, addressBits: [21])],
        policy: .open,
        timings: DRAMTimings(tCKns: 0.625, tCL: 22, tRCD: 22, tRP: 22, tRAS: 52, tBurst: 4, tREFI: 12480, tRFC: 560))

    /// DDR5-4800 CL40-39-39, tRAS 77, tCK 0.4167 ns; 16 Gb x8 devices (8 bank groups × 4 banks,
    /// 64 K rows, 8 KiB rank rows, BL16); tREFI 3.9 µs, tRFC 295 ns; two channels.
    public static let ddr5_4800 = DRAMConfiguration(
        name: "DDR5-4800", channels: 2, dimmsPerChannel: 1, ranksPerDimm: 1, bankGroups: 8, banksPerGroup: 4,
        rows: 65536, rowBytes: 8192,
        mapping: [.column, .channel, .bankGroup, .bank, .rank, .dimm, .row],
        // Row bits start at address bit 19 (6 line + 7 column + 1 channel + 3 bank group + 2 bank).
        xor: [DRAMXor(field: .bank, bit: 0, addressBits: [19]), DRAMXor(field: .bank, bit: 1, addressBits: [20]),
              DRAMXor(field: .bankGroup, bit: 0, addressBits: [21]), DRAMXor(field: .bankGroup, bit: 1, addressBits: [22]),
              DRAMXor(field: .bankGroup, bit: 2, addressBits: [23])],
        policy: .open,
        timings: DRAMTimings(tCKns: 1.0 / 2.4, tCL: 40, tRCD: 39, tRP: 39, tRAS: 77, tBurst: 8, tREFI: 9360, tRFC: 708))
}

/// NUMA nodes owning physical address ranges and the distance matrix between them (ACPI SLIT,
/// as `numactl -H` prints it: 10 local).
public struct NUMAConfiguration: Codable, Hashable, Sendable {
    /// Bytes of physical memory per node; node i owns [i·nodeBytes, (i+1)·nodeBytes); addresses
    /// past the last node belong to the last.
    public var nodeBytes: UInt64
    public var distances: [[Int]]
    /// The node of the CPU that runs the replayed threads.
    public var cpuNode: Int

    public init(nodeBytes: UInt64, distances: [[Int]], cpuNode: Int = 0) {
        self.nodeBytes = nodeBytes; self.distances = distances; self.cpuNode = cpuNode
    }

    public var nodes: Int { distances.count }

    /// The node owning physical address `pa`.
    @inlinable public func node(of pa: UInt64) -> Int {
        guard nodeBytes > 0 else { return 0 }
        return Int(min(pa / nodeBytes, UInt64(max(1, distances.count) - 1)))
    }

    /// The seed-001 server (a Hygon 8-node box, `numactl -H`): 8 nodes of 64 GiB and its distance table.
    public static let seed8Node = NUMAConfiguration(nodeBytes: 64 << 30, distances: [
        [10, 16, 16, 16, 28, 28, 22, 28],
        [16, 10, 16, 16, 28, 28, 28, 22],
        [16, 16, 10, 16, 22, 28, 28, 28],
        [16, 16, 16, 10, 28, 22, 28, 28],
        [28, 28, 22, 28, 10, 16, 16, 16],
        [28, 28, 28, 22, 16, 10, 16, 16],
        [22, 28, 28, 28, 16, 16, 10, 16],
        [28, 22, 28, 28, 16, 16, 16, 10],
    ])

    /// Throws unless the matrix is square with 10 on the diagonal and the CPU node exists.
    public func validate() throws {
        let n = distances.count
        guard n > 0, distances.allSatisfy({ $0.count == n }) else { throw ConfigurationError("numa: the distance matrix must be square") }
        guard (0..<n).allSatisfy({ distances[$0][$0] == 10 }) else { throw ConfigurationError("numa: local distance must be 10") }
        guard (0..<n).contains(cpuNode) else { throw ConfigurationError("numa: cpu node \(cpuNode) is not one of 0…\(n - 1)") }
    }
}
