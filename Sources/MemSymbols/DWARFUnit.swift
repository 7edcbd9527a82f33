/// One unit of `.debug_info`: its header, its top entry's bases, and (built on first use) its
/// tree of functions and inlined calls.
final class DWARFUnit {
    let sections: DWARFSections
    /// Offset of the unit header in `.debug_info`.
    let offset: Int
    /// Offset just past the unit.
    let end: Int
    /// Offset of the unit's first entry.
    let firstEntry: Int
    let version: Int
    let unitType: UInt8
    let addressSize: Int
    let offsetSize: Int
    let abbrevOffset: UInt64
    var abbreviations: DWARFAbbreviations
    var tag: UInt64 = 0
    var baseAddress: UInt64 = 0
    var strOffsetsBase: UInt64 = 0
    var addrBase: UInt64 = 0
    var rnglistsBase: UInt64 = 0
    var compDir: String?
    var stmtList: UInt64?
    var language: UInt64?
    var top: DWARFEntry
    /// Built by `buildScopes` on first lookup.
    var scopes: DWARFScopes?

    static let utCompile: UInt8 = 1, utType: UInt8 = 2, utPartial: UInt8 = 3, utSkeleton: UInt8 = 4
    static let utSplitCompile: UInt8 = 5, utSplitType: UInt8 = 6

    /// Reads the header at `offset`; `abbreviations` gives (and caches) a table by offset.
    init(_ sections: DWARFSections, offset: Int,
         abbreviations: (UInt64) throws(SymbolError) -> DWARFAbbreviations) throws(SymbolError) {
        self.sections = sections
        self.offset = offset
        var c = sections.cursor(sections.info, ".debug_info", at: offset)
        let (length, offsetSize) = try c.initialLength()
        guard length <= UInt64(c.remaining) else {
            throw c.error("unit length \(length) runs past the section end (\(sections.info.count))", at: offset)
        }
        self.offsetSize = offsetSize
        end = c.offset + Int(length)
        version = Int(try c.u16())
        guard (2...5).contains(version) else { throw c.error("unsupported DWARF version \(version) (expected 2 to 5)", at: c.offset - 2) }
        if version >= 5 {
            unitType = try c.u8()
            addressSize = Int(try c.u8())
            abbrevOffset = try c.unsigned(size: offsetSize)
            switch unitType {
            case Self.utSkeleton, Self.utSplitCompile: try c.skip(8)
            case Self.utType, Self.utSplitType: try c.skip(8 + offsetSize)
            default: break
            }
        } else {
            unitType = Self.utCompile
            abbrevOffset = try c.unsigned(size: offsetSize)
            addressSize = Int(try c.u8())
        }
        guard addressSize == 4 || addressSize == 8 else { throw c.error("unsupported address size \(addressSize)") }
        firstEntry = c.offset
        self.abbreviations = try abbreviations(abbrevOffset)
        top = DWARFEntry(offset: firstEntry)
        guard firstEntry < end else { return }
        guard let e = try readEntry(&c) else { return }
        top = e
        tag = e.tag
        // Bases first: the top entry's own strx/addrx values use them.
        if let v = e.strOffsetsBase { strOffsetsBase = v } else if version >= 5 { strOffsetsBase = UInt64(offsetSize == 8 ? 16 : 8) }
        if let v = e.addrBase { addrBase = v } else if version >= 5 { addrBase = 8 }
        if let v = e.rnglistsBase { rnglistsBase = v } else if version >= 5 { rnglistsBase = UInt64(offsetSize == 8 ? 20 : 12) }
        if let low = e.lowPC { baseAddress = (try? address(low)) ?? 0 }
        compDir = try e.compDir.flatMap { v throws(SymbolError) in try string(v) }
        stmtList = e.stmtList
        language = e.language
    }

    /// False for languages whose DW_AT_name is the symbol name (C, Ada, Fortran 77, …: binutils'
    /// list); elsewhere (C++, Rust, Swift) a function known only by DW_AT_name may take the
    /// name of the symbol at its start.
    var namesAreMangled: Bool {
        guard let l = language else { return false }
        return ![0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x09, 0x0c, 0x0d, 0x0f, 0x12, 0x1d, 0x8001].contains(l)
    }
}
