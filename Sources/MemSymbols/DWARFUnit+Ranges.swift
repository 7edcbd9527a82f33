/// A half-open address range [low, high).
struct AddressRange: Equatable, Sendable {
    var low: UInt64
    var high: UInt64

    func contains(_ a: UInt64) -> Bool { a >= low && a < high }
}

extension DWARFUnit {
    /// The address ranges of an entry: low_pc/high_pc or DW_AT_ranges (empty when it has neither).
    func ranges(of e: DWARFEntry) throws(SymbolError) -> [AddressRange] {
        if let r = e.ranges {
            return try rangeList(r).filter { $0.high > $0.low }
        }
        guard let lowValue = e.lowPC, let low = try address(lowValue), let highValue = e.highPC else { return [] }
        let high: UInt64
        if highValue.isConstant {
            high = low &+ (highValue.unsignedValue ?? 0)
        } else if let h = try address(highValue) {
            high = h
        } else {
            return []
        }
        return high > low ? [AddressRange(low: low, high: high)] : []
    }

    private func rangeList(_ v: DWARFValue) throws(SymbolError) -> [AddressRange] {
        if version < 5 {
            guard let at = v.unsignedValue else { return [] }
            return try rangesV4(at: at)
        }
        var at: UInt64
        switch v {
        case .rnglistIndex(let i):
            let slot = rnglistsBase &+ i &* UInt64(offsetSize)
            guard slot < UInt64(sections.rnglists.count) else {
                throw SymbolError(file: sections.file, section: ".debug_rnglists", offset: Int(clamping: slot),
                                  "range list index \(i) lies outside the section (\(sections.rnglists.count) bytes)")
            }
            var c = sections.cursor(sections.rnglists, ".debug_rnglists", at: Int(slot))
            at = rnglistsBase &+ (try c.unsigned(size: offsetSize))
        default:
            guard let o = v.unsignedValue else { return [] }
            at = o
        }
        return try rangesV5(at: at)
    }

    /// `.debug_ranges` (DWARF 2–4): address pairs relative to the unit's base address.
    private func rangesV4(at: UInt64) throws(SymbolError) -> [AddressRange] {
        guard at < UInt64(sections.ranges.count) else {
            throw SymbolError(file: sections.file, section: ".debug_ranges", offset: Int(clamping: at),
                              "range list offset lies outside the section (\(sections.ranges.count) bytes)")
        }
        var c = sections.cursor(sections.ranges, ".debug_ranges", at: Int(at))
        let all: UInt64 = addressSize == 8 ? .max : 0xffff_ffff
        var base = baseAddress
        var out: [AddressRange] = []
        while true {
            let a = try c.unsigned(size: addressSize), b = try c.unsigned(size: addressSize)
            if a == 0 && b == 0 { return out }
            if a == all { base = b; continue }
            out.append(AddressRange(low: base &+ a, high: base &+ b))
            if out.count > 1 << 20 { throw c.error("range list longer than 1 M entries") }
        }
    }

    /// `.debug_rnglists` (DWARF 5): DW_RLE_* entries.
    private func rangesV5(at: UInt64) throws(SymbolError) -> [AddressRange] {
        guard at < UInt64(sections.rnglists.count) else {
            throw SymbolError(file: sections.file, section: ".debug_rnglists", offset: Int(clamping: at),
                              "range list offset lies outside the section (\(sections.rnglists.count) bytes)")
        }
        var c = sections.cursor(sections.rnglists, ".debug_rnglists", at: Int(at))
        var base = baseAddress
        var out: [AddressRange] = []
        while true {
            let kind = try c.u8()
            switch kind {
            case 0: return out
            case 1: base = try indexedAddress(try c.uleb())
            case 2:
                let a = try indexedAddress(try c.uleb()), b = try indexedAddress(try c.uleb())
                out.append(AddressRange(low: a, high: b))
            case 3:
                let a = try indexedAddress(try c.uleb())
                out.append(AddressRange(low: a, high: a &+ (try c.uleb())))
            case 4:
                let a = try c.uleb(), b = try c.uleb()
                out.append(AddressRange(low: base &+ a, high: base &+ b))
            case 5: base = try c.unsigned(size: addressSize)
            case 6:
                let a = try c.unsigned(size: addressSize), b = try c.unsigned(size: addressSize)
                out.append(AddressRange(low: a, high: b))
            case 7:
                let a = try c.unsigned(size: addressSize)
                out.append(AddressRange(low: a, high: a &+ (try c.uleb())))
            default:
                throw c.error("unknown range list entry kind \(kind) (expected DW_RLE_* 0 to 7)", at: c.offset - 1)
            }
            if out.count > 1 << 20 { throw c.error("range list longer than 1 M entries") }
        }
    }
}
