/// All of a file's DWARF: its units, an address index to find a unit, and per-unit caches.
final class DWARFContext {
    /// A frame as DWARF gives it, before demangling.
    struct RawFrame: Equatable {
        var name: String?
        /// True when `name` is a linkage (possibly mangled) name, or from a language without mangling.
        var nameIsLinkage: Bool
        var file: String?
        var line: UInt32
        var discriminator: UInt32
        var isInlined: Bool
        /// For the outermost frame: the starts of the function's ranges (to match a symbol).
        var functionLows: [UInt64] = []
    }

    let sections: DWARFSections
    private(set) var units: [DWARFUnit] = []
    /// Unit address ranges sorted by low address.
    private(set) var index: [(range: AddressRange, unit: Int)] = []
    private var abbrevCache: [UInt64: DWARFAbbreviations] = [:]
    private var lineTables: [UInt64: DWARFLineTable] = [:]
    private var names: [Int: (String?, Bool)] = [:]

    init(_ sections: DWARFSections) throws(SymbolError) {
        self.sections = sections
        var offset = 0
        while offset < sections.info.count {
            let unit = try DWARFUnit(sections, offset: offset) { (o: UInt64) throws(SymbolError) -> DWARFAbbreviations in
                if let a = abbrevCache[o] { return a }
                let a = try DWARFAbbreviations(sections, offset: o)
                abbrevCache[o] = a
                return a
            }
            units.append(unit)
            offset = unit.end
        }
        try buildIndex()
    }

    private func buildIndex() throws(SymbolError) {
        var covered = Set<Int>()
        if sections.aranges.count > 0 {
            let unitByOffset = Dictionary(units.enumerated().map { ($1.offset, $0) }, uniquingKeysWith: { a, _ in a })
            var c = sections.cursor(sections.aranges, ".debug_aranges")
            while c.remaining > 0 {
                let setStart = c.offset
                let (length, offsetSize) = try c.initialLength()
                guard length <= UInt64(c.remaining) else { throw c.error("set length \(length) runs past the section end", at: setStart) }
                let setEnd = c.offset + Int(length)
                _ = try c.u16()
                let infoOffset = try c.unsigned(size: offsetSize)
                let addressSize = Int(try c.u8())
                _ = try c.u8()
                guard addressSize == 4 || addressSize == 8 else { throw c.error("unsupported address size \(addressSize)", at: c.offset - 2) }
                let tuple = 2 * addressSize
                c.offset = setStart + (c.offset - setStart + tuple - 1) / tuple * tuple
                if let u = unitByOffset[Int(clamping: infoOffset)] {
                    covered.insert(u)
                    while c.offset + tuple <= setEnd {
                        let a = try c.unsigned(size: addressSize), l = try c.unsigned(size: addressSize)
                        if a == 0 && l == 0 { break }
                        if l > 0 { index.append((AddressRange(low: a, high: a &+ l), u)) }
                    }
                }
                c.offset = setEnd
            }
        }
        for (i, u) in units.enumerated() where !covered.contains(i) && u.tag == DWARFTag.compileUnit {
            let r = try u.ranges(of: u.top)
            if r.isEmpty {
                // No ranges on the unit: index its functions instead.
                let scopes = try scopes(of: u)
                for root in scopes.roots { index.append((root.range, i)) }
            } else {
                for range in r { index.append((range, i)) }
            }
        }
        index.sort { $0.range.low < $1.range.low }
    }

    /// The line tables parsed so far, by `.debug_line` offset.
    var lineTablesBuilt: [(UInt64, DWARFLineTable)] { lineTables.map { ($0.key, $0.value) } }

    func scopes(of unit: DWARFUnit) throws(SymbolError) -> DWARFScopes {
        if let s = unit.scopes { return s }
        let s = try unit.buildScopes()
        unit.scopes = s
        return s
    }

    func lineTable(of unit: DWARFUnit) throws(SymbolError) -> DWARFLineTable? {
        guard let offset = unit.stmtList else { return nil }
        if let t = lineTables[offset] { return t }
        let t = try DWARFLineTable(sections, offset: offset, unit: unit)
        lineTables[offset] = t
        return t
    }

    /// Units whose indexed ranges hold `address`.
    func units(containing address: UInt64) -> [DWARFUnit] {
        var lo = 0, hi = index.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if index[mid].range.low <= address { lo = mid + 1 } else { hi = mid }
        }
        var out: [DWARFUnit] = []
        var i = lo - 1, steps = 0
        while i >= 0 && steps < 64 {
            if index[i].range.contains(address) && !out.contains(where: { $0 === units[index[i].unit] }) { out.append(units[index[i].unit]) }
            i -= 1
            steps += 1
        }
        return out
    }

    /// The unit holding the entry at `offset` of `.debug_info`.
    func unit(holding offset: Int) -> DWARFUnit? {
        var lo = 0, hi = units.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if units[mid].offset <= offset { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0, offset < units[lo - 1].end else { return nil }
        return units[lo - 1]
    }

    /// An entry's function name: a linkage name anywhere along DW_AT_abstract_origin and
    /// DW_AT_specification wins, else the first DW_AT_name (as binutils chooses).
    func name(ofEntryAt offset: Int) throws(SymbolError) -> (name: String?, isLinkage: Bool) {
        if let n = names[offset] { return n }
        var linkage: String?, plain: String?
        var pending = [offset], seen = Set<Int>()
        var plainUnit: DWARFUnit?
        while let o = pending.popLast(), seen.count < 16 {
            guard seen.insert(o).inserted, let u = unit(holding: o) else { continue }
            let e = try u.entry(at: o)
            if linkage == nil, let v = e.linkageName { linkage = try u.string(v) }
            if plain == nil, let v = e.name { plain = try u.string(v); plainUnit = u }
            if linkage != nil { break }
            if case .reference(let r)? = e.specification { pending.append(Int(clamping: r)) }
            if case .reference(let r)? = e.abstractOrigin { pending.append(Int(clamping: r)) }
        }
        let result: (String?, Bool) = linkage != nil ? (linkage, true) : (plain, !(plainUnit?.namesAreMangled ?? false))
        names[offset] = result
        return result
    }

    /// The frames at `address`, innermost first; empty when no unit describes it.
    func frames(at address: UInt64) throws(SymbolError) -> [RawFrame] {
        for unit in units(containing: address) {
            let scopes = try scopes(of: unit)
            let chain = scopes.chain(containing: address)
            let table = try lineTable(of: unit)
            let row = table?.row(for: address)
            if chain.isEmpty && row == nil { continue }
            var frames: [RawFrame] = []
            var file = row.flatMap { table?.fileName(UInt64($0.file)) }
            var line = row?.line ?? 0
            let discriminator = row?.discriminator ?? 0
            if chain.isEmpty {
                return [RawFrame(name: nil, nameIsLinkage: false, file: file, line: line, discriminator: discriminator, isInlined: false)]
            }
            for i in chain.indices.reversed() {
                let s = scopes.scopes[Int(chain[i])]
                let (name, linkage) = try name(ofEntryAt: s.entry)
                frames.append(RawFrame(name: name, nameIsLinkage: linkage, file: file, line: line, discriminator: discriminator,
                                       isInlined: s.isInlined, functionLows: i == 0 ? s.ranges.map(\.low) : []))
                file = table?.fileName(s.callFile)
                line = UInt32(truncatingIfNeeded: s.callLine)

            }
            return frames
        }
        return []
    }
}
