/// One object file ready for lookups: its symbol table and DWARF (from its debuginfo file when
/// one is installed), built once and kept by the `Symbolizer`.
public final class SymbolizedObject {
    public let ref: ObjectRef
    public let elf: ELFFile
    /// The separate debuginfo file used, if any.
    public let debugFile: ELFFile?
    public let symbols: ELFSymbolTable
    let dwarf: DWARFContext?
    /// Problems met reading this object (its DWARF, its symbol table, later lookups).
    public private(set) var errors: [SymbolError] = []
    /// Debuginfo candidates rejected for a build-id or CRC mismatch.
    public let mismatchedDebugFiles: [String]

    /// Reads `elf` (and a debuginfo file from `locator`); a damaged DWARF or symbol table is
    /// recorded in `errors` and the rest is still used.
    public init(ref: ObjectRef, elf: ELFFile, locator: DebugInfoLocator) {
        self.ref = ref
        self.elf = elf
        var errors: [SymbolError] = []
        let found = elf.section(named: ".debug_info") == nil ? locator.locate(for: elf) : DebugInfoLocator.Result()
        debugFile = found.file
        mismatchedDebugFiles = found.mismatched
        var table = ELFSymbolTable(symbols: [], source: "none")
        for file in [found.file, elf].compactMap({ $0 }) {
            do {
                let t = try ELFSymbolTable(file)
                if !t.symbols.isEmpty && (table.symbols.isEmpty || t.source == ".symtab" && table.source != ".symtab") { table = t }
            } catch {
                errors.append(error)
            }
        }
        symbols = table
        var context: DWARFContext?
        do {
            if let sections = try DWARFSections(found.file ?? elf) { context = try DWARFContext(sections) }
        } catch {
            errors.append(error)
        }
        dwarf = context
        self.errors = errors
    }

    /// Whether DWARF (of the object or its debuginfo file) describes it: functions, lines, inlines.
    public var hasDebugInfo: Bool { dwarf != nil }

    /// The frames at `offset`, innermost first (one unresolved frame when nothing describes it).
    public func frames(at offset: UInt64) -> [SymbolFrame] {
        var raw: [DWARFContext.RawFrame] = []
        if let dwarf {
            do {
                raw = try dwarf.frames(at: offset)
            } catch {
                if errors.count < 100 { errors.append(error) }
            }
        }
        let symbol = symbols.symbol(covering: offset)
        guard !raw.isEmpty else {
            guard let symbol else { return [SymbolFrame(object: ref, offset: offset)] }
            return [SymbolFrame(object: ref, offset: offset, function: Demangler.readable(symbol.name), rawFunction: symbol.name,
                                file: symbol.sourceFile)]
        }
        return raw.enumerated().map { i, r in
            var name = r.name
            if i == raw.count - 1, let symbol {
                // A function without a linkage name (C++ `main`, a `.cold` part) takes the name of
                // the symbol that starts its first range, as binutils does for the innermost frame.
                if name == nil || (raw.count == 1 && !r.nameIsLinkage && r.functionLows.first == symbol.address) { name = symbol.name }
            }
            // No file from DWARF for the innermost frame: the symbol's STT_FILE (binutils' fallback).
            let file = r.file ?? (i == 0 ? symbol?.sourceFile : nil)
            return SymbolFrame(object: ref, offset: offset, function: name.map(Demangler.readable), rawFunction: name,
                               file: file, line: r.line, discriminator: r.discriminator, isInlined: r.isInlined)
        }
    }

    /// Problems with this object's tables (empty when consistent); used by tests.
    public func invariantViolations() -> [String] {
        var out = symbols.invariantViolations()
        guard let dwarf else { return out }
        for u in dwarf.units {
            if let s = u.scopes { out += s.invariantViolations().map { "unit at \(u.offset): \($0)" } }
        }
        for (offset, t) in dwarf.lineTablesBuilt { out += t.invariantViolations().map { "line table at \(offset): \($0)" } }
        for i in dwarf.index.indices.dropFirst() where dwarf.index[i - 1].range.low > dwarf.index[i].range.low {
            out.append("unit index entry \(i) sorts before its predecessor")
        }
        return out
    }
}
