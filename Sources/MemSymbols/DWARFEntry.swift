/// The attributes of one debugging information entry that the symbolizer uses.
struct DWARFEntry {
    var offset: Int
    var tag: UInt64 = 0
    var hasChildren = false
    var name: DWARFValue?
    var linkageName: DWARFValue?
    var lowPC: DWARFValue?
    var highPC: DWARFValue?
    var ranges: DWARFValue?
    var abstractOrigin: DWARFValue?
    var specification: DWARFValue?
    var callFile: UInt64 = 0
    var callLine: UInt64 = 0
    var stmtList: UInt64?
    var compDir: DWARFValue?
    var strOffsetsBase: UInt64?
    var addrBase: UInt64?
    var rnglistsBase: UInt64?
    var language: UInt64?
    var sibling: UInt64?

    init(offset: Int) { self.offset = offset }
}

extension DWARFUnit {
    /// Reads the entry at the cursor (which moves past it); nil for a null entry (end of siblings).
    func readEntry(_ c: inout ByteCursor) throws(SymbolError) -> DWARFEntry? {
        let start = c.offset
        let code = try c.uleb()
        if code == 0 { return nil }
        guard let abbrev = abbreviations[code] else {
            throw SymbolError(file: sections.file, section: ".debug_info", offset: start,
                              "abbreviation code \(code) is not in the unit's table (unit at \(offset))")
        }
        var e = DWARFEntry(offset: start)
        e.tag = abbrev.tag
        e.hasChildren = abbrev.hasChildren
        let unitOffset = UInt64(offset)
        for spec in abbrev.specs {
            let v = try c.dwarfValue(form: spec.form, implicitConst: spec.implicitConst, unitOffset: unitOffset,
                                     version: version, addressSize: addressSize, offsetSize: offsetSize)
            switch spec.attribute {
            case DWARFAttribute.name: e.name = v
            case DWARFAttribute.linkageName, DWARFAttribute.mipsLinkageName: e.linkageName = v
            case DWARFAttribute.lowPC: e.lowPC = v
            case DWARFAttribute.highPC: e.highPC = v
            case DWARFAttribute.ranges: e.ranges = v
            case DWARFAttribute.abstractOrigin: e.abstractOrigin = v
            case DWARFAttribute.specification: e.specification = v
            case DWARFAttribute.callFile: e.callFile = v.unsignedValue ?? 0
            case DWARFAttribute.callLine: e.callLine = v.unsignedValue ?? 0
            case DWARFAttribute.stmtList: e.stmtList = v.unsignedValue
            case DWARFAttribute.compDir: e.compDir = v
            case DWARFAttribute.strOffsetsBase: e.strOffsetsBase = v.unsignedValue
            case DWARFAttribute.addrBase, DWARFAttribute.gnuAddrBase: e.addrBase = v.unsignedValue
            case DWARFAttribute.rnglistsBase: e.rnglistsBase = v.unsignedValue
            case DWARFAttribute.language: e.language = v.unsignedValue
            case DWARFAttribute.sibling: e.sibling = v.unsignedValue
            default: break
            }
        }
        return e
    }

    /// The entry at an absolute `.debug_info` offset inside this unit.
    func entry(at dieOffset: Int) throws(SymbolError) -> DWARFEntry {
        guard dieOffset >= firstEntry && dieOffset < end else {
            throw SymbolError(file: sections.file, section: ".debug_info", offset: dieOffset,
                              "reference outside its unit [\(firstEntry), \(end))")
        }
        var c = sections.cursor(sections.info, ".debug_info", at: dieOffset)
        guard let e = try readEntry(&c) else {
            throw SymbolError(file: sections.file, section: ".debug_info", offset: dieOffset, "reference to a null entry")
        }
        return e
    }

    /// A string attribute's text.
    func string(_ v: DWARFValue) throws(SymbolError) -> String? {
        switch v {
        case .inlineString(let o): return sections.info.cString(at: o)
        case .strp(let o): return try sections.string(at: o)
        case .lineStrp(let o): return try sections.string(at: o, line: true)
        case .strx(let i):
            let at = strOffsetsBase &+ i &* UInt64(offsetSize)
            guard at < UInt64(sections.strOffsets.count) else {
                throw SymbolError(file: sections.file, section: ".debug_str_offsets", offset: Int(clamping: at),
                                  "string index \(i) lies outside the section (\(sections.strOffsets.count) bytes)")
            }
            var c = sections.cursor(sections.strOffsets, ".debug_str_offsets", at: Int(at))
            return try sections.string(at: try c.unsigned(size: offsetSize))
        default: return nil
        }
    }

    /// An address attribute's value (DW_FORM_addr or an index into `.debug_addr`).
    func address(_ v: DWARFValue) throws(SymbolError) -> UInt64? {
        switch v {
        case .address(let a): return a
        case .addressIndex(let i): return try indexedAddress(i)
        default: return nil
        }
    }

    func indexedAddress(_ i: UInt64) throws(SymbolError) -> UInt64 {
        let at = addrBase &+ i &* UInt64(addressSize)
        guard at < UInt64(sections.addr.count) else {
            throw SymbolError(file: sections.file, section: ".debug_addr", offset: Int(clamping: at),
                              "address index \(i) lies outside the section (\(sections.addr.count) bytes)")
        }
        var c = sections.cursor(sections.addr, ".debug_addr", at: Int(at))
        return try c.unsigned(size: addressSize)
    }
}
