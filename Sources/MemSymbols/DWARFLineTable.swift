/// One unit's `.debug_line` program (DWARF 2–5), run into sorted rows for address lookups.
struct DWARFLineTable {
    /// One row of the line-number matrix.
    struct Row: Equatable {
        var address: UInt64
        var file: UInt32
        var line: UInt32
        var discriminator: UInt32
    }

    /// One DW_LNE_end_sequence-terminated run of rows: [low, high), rows[start..<end].
    struct Sequence {
        var low: UInt64
        var high: UInt64
        var start: Int
        var end: Int
    }

    var version = 0
    var rows: [Row] = []
    var sequences: [Sequence] = []
    /// Full paths by file index as the program numbers files (index 0 unused before DWARF 5).
    var files: [String?] = []

    /// The row that covers `address` (the last row at the greatest address ≤ `address` within a
    /// sequence whose range holds it).
    func row(for address: UInt64) -> Row? {
        var lo = 0, hi = sequences.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sequences[mid].low <= address { lo = mid + 1 } else { hi = mid }
        }
        var i = lo - 1, steps = 0
        while i >= 0 && steps < 32 {
            let s = sequences[i]
            if address < s.high {
                var a = s.start, b = s.end
                while a < b {
                    let mid = (a + b) / 2
                    if rows[mid].address <= address { a = mid + 1 } else { b = mid }
                }
                if a > s.start { return rows[a - 1] }
            }
            i -= 1
            steps += 1
        }
        return nil
    }

    func fileName(_ index: UInt64) -> String? {
        index < UInt64(files.count) ? files[Int(index)] : nil
    }

    /// Problems with the table (empty when consistent); used by tests.
    func invariantViolations() -> [String] {
        var out: [String] = []
        for (n, s) in sequences.enumerated() {
            if n > 0 && sequences[n - 1].low > s.low { out.append("sequence \(n) sorts before its predecessor") }
            if s.start >= s.end || s.end > rows.count { out.append("sequence \(n) has a bad row range \(s.start)..<\(s.end)") }
            for i in s.start..<min(s.end, rows.count) {
                if i > s.start && rows[i - 1].address > rows[i].address { out.append("row \(i) of sequence \(n) goes back in address") }
                if rows[i].address < s.low || rows[i].address > s.high { out.append("row \(i) lies outside sequence \(n)") }
            }
        }
        return out
    }
}

extension DWARFLineTable {
    /// Parses the program at `offset`; `unit` supplies the compilation directory and string bases.
    init(_ sections: DWARFSections, offset: UInt64, unit: DWARFUnit) throws(SymbolError) {
        guard offset < UInt64(sections.line.count) else {
            throw SymbolError(file: sections.file, section: ".debug_line", offset: Int(clamping: offset),
                              "line program offset lies outside the section (\(sections.line.count) bytes)")
        }
        var c = sections.cursor(sections.line, ".debug_line", at: Int(offset))
        let (length, offsetSize) = try c.initialLength()
        guard length <= UInt64(c.remaining) else { throw c.error("line program length \(length) runs past the section end", at: Int(offset)) }
        let end = c.offset + Int(length)
        version = Int(try c.u16())
        guard (2...5).contains(version) else { throw c.error("unsupported line table version \(version) (expected 2 to 5)", at: c.offset - 2) }
        var addressSize = unit.addressSize
        if version >= 5 {
            addressSize = Int(try c.u8())
            _ = try c.u8()
        }
        let headerLength = try c.unsigned(size: offsetSize)
        guard headerLength <= UInt64(end - c.offset) else { throw c.error("header length \(headerLength) runs past the program end") }
        let programStart = c.offset + Int(headerLength)
        let minInst = UInt64(try c.u8())
        let maxOps = version >= 4 ? UInt64(max(try c.u8(), 1)) : 1
        let defaultIsStmt = try c.u8() != 0
        _ = defaultIsStmt
        let lineBase = Int64(Int8(bitPattern: try c.u8()))
        let lineRange = UInt64(try c.u8())
        let opcodeBase = try c.u8()
        guard lineRange > 0 else { throw c.error("line_range is 0", at: c.offset - 2) }
        var opcodeLengths: [UInt8] = [0]
        for _ in 1..<max(Int(opcodeBase), 1) { opcodeLengths.append(try c.u8()) }

        var dirs: [String] = []
        var entries: [(name: String, dir: UInt64)] = []
        if version >= 5 {
            dirs = try Self.entryList(&c, sections: sections, unit: unit, offsetSize: offsetSize).map(\.name)
            entries = try Self.entryList(&c, sections: sections, unit: unit, offsetSize: offsetSize)
        } else {
            while true {
                let d = try c.cString()
                if d.isEmpty { break }
                dirs.append(d)
            }
            entries.append(("", 0))
            while true {
                let f = try c.cString()
                if f.isEmpty { break }
                let dir = try c.uleb()
                _ = try c.uleb(); _ = try c.uleb()
                entries.append((f, dir))
            }
        }
        let compDir = unit.compDir
        func path(_ name: String, _ dir: UInt64, v5: Bool) -> String {
            if name.hasPrefix("/") { return name }
            // As binutils: DWARF 5 numbers directories from 0 (the unit's directory, used too);
            // before, 0 means "the compilation directory" and the list starts at 1.
            var sub: String?
            let i = v5 ? Int(clamping: dir) : Int(clamping: dir) - 1
            if i >= 0 && i < dirs.count { sub = dirs[i] }
            var base: String? = (sub == nil || !sub!.hasPrefix("/")) ? compDir : nil
            if base == nil { base = sub; sub = nil }
            guard let base else { return name }
            return sub.map { "\(base)/\($0)/\(name)" } ?? "\(base)/\(name)"
        }
        files = entries.enumerated().map { i, e in version < 5 && i == 0 ? nil : path(e.name, e.dir, v5: version >= 5) }

        c.offset = programStart
        try run(&c, end: end, addressSize: addressSize, minInst: minInst, maxOps: maxOps, lineBase: lineBase,
                lineRange: lineRange, opcodeBase: opcodeBase, opcodeLengths: opcodeLengths)
    }

    /// A DWARF 5 directory or file-name table: entry formats, then entries.
    private static func entryList(_ c: inout ByteCursor, sections: DWARFSections, unit: DWARFUnit,
                                  offsetSize: Int) throws(SymbolError) -> [(name: String, dir: UInt64)] {
        let formatCount = Int(try c.u8())
        var formats: [(UInt64, UInt64)] = []
        for _ in 0..<formatCount { formats.append((try c.uleb(), try c.uleb())) }
        let count = try c.uleb()
        guard count <= UInt64(c.remaining) else { throw c.error("entry count \(count) exceeds the bytes left") }
        var out: [(name: String, dir: UInt64)] = []
        for _ in 0..<count {
            var name = "", dir: UInt64 = 0
            for (content, form) in formats {
                let v = try c.dwarfValue(form: form, implicitConst: 0, unitOffset: UInt64(unit.offset), version: 5,
                                         addressSize: unit.addressSize, offsetSize: offsetSize)
                if content == 1 { name = try unit.string(v) ?? "" }  // DW_LNCT_path
                if content == 2 { dir = v.unsignedValue ?? 0 }       // DW_LNCT_directory_index
            }
            out.append((name, dir))
        }
        return out
    }

    private mutating func run(_ c: inout ByteCursor, end: Int, addressSize: Int, minInst: UInt64, maxOps: UInt64,
                              lineBase: Int64, lineRange: UInt64, opcodeBase: UInt8, opcodeLengths: [UInt8]) throws(SymbolError) {
        var address: UInt64 = 0, opIndex: UInt64 = 0, file: UInt64 = 1, line: Int64 = 1, discriminator: UInt64 = 0
        var sequenceStart = rows.count
        func advance(_ operation: UInt64) {
            if maxOps == 1 {
                address &+= minInst &* operation
            } else {
                address &+= minInst &* ((opIndex &+ operation) / maxOps)
                opIndex = (opIndex &+ operation) % maxOps
            }
        }
        func emit() {
            rows.append(Row(address: address, file: UInt32(truncatingIfNeeded: file), line: UInt32(truncatingIfNeeded: line),
                            discriminator: UInt32(truncatingIfNeeded: discriminator)))
            discriminator = 0
        }
        while c.offset < end {
            let op = try c.u8()
            if op >= opcodeBase {
                let adjusted = UInt64(op - opcodeBase)
                advance(adjusted / lineRange)
                line &+= lineBase &+ Int64(adjusted % lineRange)
                emit()
                continue
            }
            switch op {
            case 0:
                let len = try c.uleb()
                guard len > 0, len <= UInt64(end - c.offset) else { throw c.error("extended opcode length \(len) runs past the program end") }
                let next = c.offset + Int(len)
                let sub = try c.u8()
                switch sub {
                case 1:
                    // End of sequence: a row closing [start, address).
                    if rows.count > sequenceStart {
                        var seq = Array(rows[sequenceStart...])
                        if !zip(seq, seq.dropFirst()).allSatisfy({ $0.address <= $1.address }) {
                            seq = seq.enumerated().sorted { ($0.element.address, $0.offset) < ($1.element.address, $1.offset) }.map(\.element)
                            rows.replaceSubrange(sequenceStart..., with: seq)
                        }
                        let low = rows[sequenceStart].address
                        if address > low { sequences.append(Sequence(low: low, high: address, start: sequenceStart, end: rows.count)) } else { rows.removeSubrange(sequenceStart...) }
                    }
                    sequenceStart = rows.count
                    address = 0; opIndex = 0; file = 1; line = 1; discriminator = 0
                case 2: address = try c.unsigned(size: len == 5 ? 4 : len == 9 ? 8 : addressSize); opIndex = 0
                case 4: discriminator = try c.uleb()
                default: break  // DW_LNE_define_file and vendor opcodes: not needed for lookups
                }
                c.offset = next
            case 1: emit()
            case 2: advance(try c.uleb())
            case 3: line &+= try c.sleb()
            case 4: file = try c.uleb()
            case 5: _ = try c.uleb()
            case 6, 7, 10, 11: break
            case 8: advance((255 - UInt64(opcodeBase)) / lineRange)
            case 9: address &+= UInt64(try c.u16()); opIndex = 0
            case 12: _ = try c.uleb()
            default:
                for _ in 0..<Int(opcodeLengths[Int(op)]) { _ = try c.uleb() }
            }
        }
        // Rows after the last end_sequence have no end address: dropped, as readers do.
        if rows.count > sequenceStart { rows.removeSubrange(sequenceStart...) }
        sequences.sort { $0.low < $1.low }
    }
}
