/// DWARF attribute form codes (DWARF 2–5 and the GNU extensions that appear in Debian binaries).
enum DWARFForm {
    static let addr: UInt64 = 0x01, block2: UInt64 = 0x03, block4: UInt64 = 0x04, data2: UInt64 = 0x05
    static let data4: UInt64 = 0x06, data8: UInt64 = 0x07, string: UInt64 = 0x08, block: UInt64 = 0x09
    static let block1: UInt64 = 0x0a, data1: UInt64 = 0x0b, flag: UInt64 = 0x0c, sdata: UInt64 = 0x0d
    static let strp: UInt64 = 0x0e, udata: UInt64 = 0x0f, refAddr: UInt64 = 0x10, ref1: UInt64 = 0x11
    static let ref2: UInt64 = 0x12, ref4: UInt64 = 0x13, ref8: UInt64 = 0x14, refUdata: UInt64 = 0x15
    static let indirect: UInt64 = 0x16, secOffset: UInt64 = 0x17, exprloc: UInt64 = 0x18, flagPresent: UInt64 = 0x19
    static let strx: UInt64 = 0x1a, addrx: UInt64 = 0x1b, refSup4: UInt64 = 0x1c, strpSup: UInt64 = 0x1d
    static let data16: UInt64 = 0x1e, lineStrp: UInt64 = 0x1f, refSig8: UInt64 = 0x20, implicitConst: UInt64 = 0x21
    static let loclistx: UInt64 = 0x22, rnglistx: UInt64 = 0x23, refSup8: UInt64 = 0x24
    static let strx1: UInt64 = 0x25, strx2: UInt64 = 0x26, strx3: UInt64 = 0x27, strx4: UInt64 = 0x28
    static let addrx1: UInt64 = 0x29, addrx2: UInt64 = 0x2a, addrx3: UInt64 = 0x2b, addrx4: UInt64 = 0x2c
    static let gnuAddrIndex: UInt64 = 0x1f01, gnuStrIndex: UInt64 = 0x1f02, gnuRefAlt: UInt64 = 0x1f20, gnuStrpAlt: UInt64 = 0x1f21
}

/// DWARF attribute codes the symbolizer reads.
enum DWARFAttribute {
    static let sibling: UInt64 = 0x01, name: UInt64 = 0x03, stmtList: UInt64 = 0x10, lowPC: UInt64 = 0x11
    static let highPC: UInt64 = 0x12, language: UInt64 = 0x13, compDir: UInt64 = 0x1b, abstractOrigin: UInt64 = 0x31
    static let specification: UInt64 = 0x47, ranges: UInt64 = 0x55, callFile: UInt64 = 0x58, callLine: UInt64 = 0x59
    static let linkageName: UInt64 = 0x6e, strOffsetsBase: UInt64 = 0x72, addrBase: UInt64 = 0x73
    static let rnglistsBase: UInt64 = 0x74, mipsLinkageName: UInt64 = 0x2007
    static let gnuRangesBase: UInt64 = 0x2132, gnuAddrBase: UInt64 = 0x2133
}

/// DWARF tags the symbolizer reads.
enum DWARFTag {
    static let compileUnit: UInt64 = 0x11, partialUnit: UInt64 = 0x3c, skeletonUnit: UInt64 = 0x4a
    static let subprogram: UInt64 = 0x2e, inlinedSubroutine: UInt64 = 0x1d
}

/// An attribute's value, still unresolved where it indexes another section.
enum DWARFValue: Equatable {
    case unsigned(UInt64)
    case signed(Int64)
    case address(UInt64)
    case addressIndex(UInt64)
    case inlineString(Int)
    case strp(UInt64)
    case lineStrp(UInt64)
    case strx(UInt64)
    /// An offset in `.debug_info` (references within the unit already made absolute).
    case reference(UInt64)
    case rnglistIndex(UInt64)
    case other

    /// True for the forms whose value is a constant (DW_AT_high_pc as an offset from low_pc).
    var isConstant: Bool {
        switch self {
        case .unsigned, .signed: return true
        default: return false
        }
    }

    var unsignedValue: UInt64? {
        switch self {
        case .unsigned(let v), .address(let v), .reference(let v): return v
        case .signed(let v): return UInt64(bitPattern: v)
        default: return nil
        }
    }
}

extension ByteCursor {
    /// Reads one attribute value of `form` in a unit with the given sizes.
    mutating func dwarfValue(form: UInt64, implicitConst: Int64, unitOffset: UInt64, version: Int,
                             addressSize: Int, offsetSize: Int) throws(SymbolError) -> DWARFValue {
        switch form {
        case DWARFForm.addr: return .address(try unsigned(size: addressSize))
        case DWARFForm.data1, DWARFForm.flag: return .unsigned(UInt64(try u8()))
        case DWARFForm.data2: return .unsigned(UInt64(try u16()))
        case DWARFForm.data4: return .unsigned(UInt64(try u32()))
        case DWARFForm.data8: return .unsigned(try u64())
        case DWARFForm.udata: return .unsigned(try uleb())
        case DWARFForm.sdata: return .signed(try sleb())
        case DWARFForm.implicitConst: return .signed(implicitConst)
        case DWARFForm.flagPresent: return .unsigned(1)
        case DWARFForm.secOffset: return .unsigned(try unsigned(size: offsetSize))
        case DWARFForm.string: return .inlineString(try skipCString())
        case DWARFForm.strp: return .strp(try unsigned(size: offsetSize))
        case DWARFForm.lineStrp: return .lineStrp(try unsigned(size: offsetSize))
        case DWARFForm.strx, DWARFForm.gnuStrIndex: return .strx(try uleb())
        case DWARFForm.strx1: return .strx(UInt64(try u8()))
        case DWARFForm.strx2: return .strx(UInt64(try u16()))
        case DWARFForm.strx3: return .strx(try u24())
        case DWARFForm.strx4: return .strx(UInt64(try u32()))
        case DWARFForm.addrx, DWARFForm.gnuAddrIndex: return .addressIndex(try uleb())
        case DWARFForm.addrx1: return .addressIndex(UInt64(try u8()))
        case DWARFForm.addrx2: return .addressIndex(UInt64(try u16()))
        case DWARFForm.addrx3: return .addressIndex(try u24())
        case DWARFForm.addrx4: return .addressIndex(UInt64(try u32()))
        case DWARFForm.ref1: return .reference(unitOffset &+ UInt64(try u8()))
        case DWARFForm.ref2: return .reference(unitOffset &+ UInt64(try u16()))
        case DWARFForm.ref4: return .reference(unitOffset &+ UInt64(try u32()))
        case DWARFForm.ref8: return .reference(unitOffset &+ (try u64()))
        case DWARFForm.refUdata: return .reference(unitOffset &+ (try uleb()))
        case DWARFForm.refAddr: return .reference(try unsigned(size: version <= 2 ? addressSize : offsetSize))
        case DWARFForm.rnglistx: return .rnglistIndex(try uleb())
        case DWARFForm.loclistx: _ = try uleb(); return .other
        case DWARFForm.refSig8: try skip(8); return .other
        case DWARFForm.refSup4: try skip(4); return .other
        case DWARFForm.refSup8: try skip(8); return .other
        case DWARFForm.strpSup, DWARFForm.gnuRefAlt, DWARFForm.gnuStrpAlt: try skip(offsetSize); return .other
        case DWARFForm.data16: try skip(16); return .other
        case DWARFForm.block1: try skip(Int(try u8())); return .other
        case DWARFForm.block2: try skip(Int(try u16())); return .other
        case DWARFForm.block4: try skip(Int(try u32())); return .other
        case DWARFForm.block, DWARFForm.exprloc: try skip(try uleb()); return .other
        case DWARFForm.indirect:
            let actual = try uleb()
            guard actual != DWARFForm.indirect else { throw error("DW_FORM_indirect pointing to DW_FORM_indirect") }
            return try dwarfValue(form: actual, implicitConst: 0, unitOffset: unitOffset, version: version,
                                  addressSize: addressSize, offsetSize: offsetSize)
        default:
            throw error("unknown attribute form 0x\(String(form, radix: 16))")
        }
    }
}
