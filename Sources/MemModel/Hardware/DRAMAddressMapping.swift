/// A physical address decoded into DRAM coordinates.
public struct DRAMLocation: Hashable, Sendable {
    public var channel: Int
    public var dimm: Int
    public var rank: Int
    public var bankGroup: Int
    public var bank: Int
    public var row: Int
    public var column: Int
}

/// The memory controller's address decoder: the line offset is dropped, then each field takes
/// log2(count) bits in the configured order from the low end, then XOR hashing is applied
/// (the permutation-based interleaving of Zhang et al., MICRO 2000, as Intel and AMD controllers do).
public struct DRAMAddressMapping: Sendable {
    let lineShift: Int
    /// Per field (in `DRAMField.allCases` order): shift and mask after the line offset.
    let shifts: [Int]
    let masks: [UInt64]
    let xor: [(field: Int, bit: Int, mask: UInt64)]

    public init(_ c: DRAMConfiguration) {
        lineShift = c.lineBytes.trailingZeroBitCount
        var shifts = [Int](repeating: 0, count: DRAMField.allCases.count)
        var masks = [UInt64](repeating: 0, count: DRAMField.allCases.count)
        var at = 0
        for f in c.mapping {
            let i = DRAMField.allCases.firstIndex(of: f)!
            let bits = c.count(of: f).trailingZeroBitCount
            shifts[i] = at; masks[i] = (1 << UInt64(bits)) - 1
            at += bits
        }
        self.shifts = shifts; self.masks = masks
        xor = c.xor.map { x in
            (DRAMField.allCases.firstIndex(of: x.field)!, x.bit, x.addressBits.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) })
        }
    }

    /// The coordinates of physical address `pa` (no allocation: the fields are computed in place).
    public func locate(_ pa: UInt64) -> DRAMLocation {
        let a = pa >> UInt64(lineShift)
        var v = (0, 0, 0, 0, 0, 0, 0)
        shifts.withUnsafeBufferPointer { sh in
            masks.withUnsafeBufferPointer { m in
                withUnsafeMutableBytes(of: &v) { raw in
                    let f = raw.bindMemory(to: Int.self)
                    for i in 0..<7 { f[i] = Int((a >> UInt64(sh[i])) & m[i]) }
                    for x in xor where m[x.field] != 0 {
                        let parity = (pa & x.mask).nonzeroBitCount & 1
                        f[x.field] ^= parity << x.bit
                        f[x.field] &= Int(m[x.field])
                    }
                }
            }
        }
        return DRAMLocation(channel: v.1, dimm: v.2, rank: v.3, bankGroup: v.4, bank: v.5, row: v.6, column: v.0)
    }
}
