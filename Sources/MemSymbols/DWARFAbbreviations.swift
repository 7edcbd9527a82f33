/// One abbreviation declaration of `.debug_abbrev`.
struct DWARFAbbreviation: Sendable {
    struct Spec: Sendable {
        var attribute: UInt64
        var form: UInt64
        var implicitConst: Int64
    }
    var tag: UInt64
    var hasChildren: Bool
    var specs: [Spec]
}

/// The abbreviation table at one offset of `.debug_abbrev`, indexed by code.
struct DWARFAbbreviations: Sendable {
    private var dense: [DWARFAbbreviation?] = []
    private var sparse: [UInt64: DWARFAbbreviation] = [:]

    init(_ sections: DWARFSections, offset: UInt64) throws(SymbolError) {
        guard offset < UInt64(sections.abbrev.count) else {
            throw SymbolError(file: sections.file, section: ".debug_abbrev", offset: Int(clamping: offset),
                              "abbreviation table offset lies outside the section (\(sections.abbrev.count) bytes)")
        }
        var c = sections.cursor(sections.abbrev, ".debug_abbrev", at: Int(offset))
        while true {
            let code = try c.uleb()
            if code == 0 { break }
            let tag = try c.uleb()
            let children = try c.u8() != 0
            var specs: [DWARFAbbreviation.Spec] = []
            while true {
                let attribute = try c.uleb(), form = try c.uleb()
                if attribute == 0 && form == 0 { break }
                let implicitConst = form == DWARFForm.implicitConst ? try c.sleb() : 0
                specs.append(.init(attribute: attribute, form: form, implicitConst: implicitConst))
            }
            let a = DWARFAbbreviation(tag: tag, hasChildren: children, specs: specs)
            if code < 4096 {
                if dense.count <= Int(code) { dense += Array(repeating: nil, count: Int(code) + 1 - dense.count) }
                dense[Int(code)] = a
            } else {
                sparse[code] = a
            }
        }
    }

    subscript(code: UInt64) -> DWARFAbbreviation? {
        code < UInt64(dense.count) ? dense[Int(code)] : sparse[code]
    }
}
