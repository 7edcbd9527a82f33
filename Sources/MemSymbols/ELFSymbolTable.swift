/// The function symbols of an ELF file (`.symtab`, else `.dynsym`), sorted by address.
public struct ELFSymbolTable: Sendable {
    /// One function symbol.
    public struct Symbol: Sendable, Equatable {
        public var address: UInt64
        public var size: UInt64
        public var name: String
        /// STB_GLOBAL (1), STB_WEAK (2) or STB_LOCAL (0).
        public var binding: UInt8
        /// The symbol's index in its table (the tie-break between aliases, as binutils breaks it).
        public var index: Int = 0
        /// The STT_FILE symbol before it (a source or object file name), as binutils attributes
        /// it: to local symbols, and to others only before any symbol followed a file symbol.
        public var sourceFile: String?
    }

    /// Sorted by address, then by index in the file's table.
    public private(set) var symbols: [Symbol]
    /// `.symtab` or `.dynsym`.
    public let source: String

    static let sttFunc: UInt8 = 2, sttFile: UInt8 = 4, sttGnuIfunc: UInt8 = 10

    /// Reads `.symtab` when present, else `.dynsym`; an empty table when neither exists.
    public init(_ elf: ELFFile) throws(SymbolError) {
        let table = elf.sections.first { $0.type == ELFFile.shtSymtab } ?? elf.sections.first { $0.type == ELFFile.shtDynsym }
        guard let table else {
            symbols = []
            source = "none"
            return
        }
        source = table.name
        let view = try elf.contents(of: table)
        guard Int(table.link) < elf.sections.count else {
            throw SymbolError(file: elf.path, section: table.name, offset: 0, "string table index \(table.link) does not exist")
        }
        let strings = try elf.contents(of: elf.sections[Int(table.link)])
        var c = ByteCursor(view, file: elf.path, section: table.name)
        var out: [Symbol] = []
        var file: String?, symbolSeen = false, fileAfterSymbol = false
        while c.remaining >= 24 {
            let start = c.offset
            let nameOffset = try c.u32(), info = try c.u8()
            _ = try c.u8()
            let shndx = try c.u16(), value = try c.u64(), size = try c.u64()
            let kind = info & 15
            if kind == Self.sttFile {
                file = strings.cString(at: Int(nameOffset))
                if symbolSeen { fileAfterSymbol = true }
                continue
            }
            if start > 0 { symbolSeen = true }
            guard kind == Self.sttFunc || kind == Self.sttGnuIfunc, shndx != 0, value != 0 else { continue }
            guard let name = strings.cString(at: Int(nameOffset)) else {
                throw SymbolError(file: elf.path, section: table.name, offset: start, "symbol name offset \(nameOffset) lies outside the string table")
            }
            let binding = info >> 4
            out.append(Symbol(address: value, size: size, name: name, binding: binding, index: start / 24,
                              sourceFile: binding == 0 || !fileAfterSymbol ? file : nil))
        }
        out.sort { ($0.address, $0.index) < ($1.address, $1.index) }
        symbols = out
    }

    init(symbols: [Symbol], source: String) {
        self.symbols = symbols
        self.source = source
    }

    /// The symbol whose [address, address + size) holds `address` (the nearest start below it;
    /// among aliases the smallest, then the first in the file);
    /// an unsized symbol counts only when it is the nearest one below and nothing covers the address.
    public func symbol(covering address: UInt64) -> Symbol? {
        // First index with symbol.address > address.
        var lo = 0, hi = symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if symbols[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        var i = lo - 1, steps = 0
        var found: Int?
        while i >= 0 && steps < 64 {
            let s = symbols[i]
            if let f = found, symbols[f].address != s.address { break }
            // Among aliases that cover it: the smallest, then the first in the file (binutils' choice).
            if s.size > 0 && address - s.address < s.size,
               found == nil || s.size < symbols[found!].size || (s.size == symbols[found!].size && s.index < symbols[found!].index) {
                found = i
            }
            i -= 1
            steps += 1
        }
        if let found { return symbols[found] }
        if lo > 0 && symbols[lo - 1].size == 0 { return symbols[lo - 1] }
        return nil
    }

    /// Problems with the table's order (empty when sorted); used by tests.
    public func invariantViolations() -> [String] {
        var out: [String] = []
        for i in symbols.indices.dropFirst() where symbols[i - 1].address > symbols[i].address {
            out.append("symbol \(i) (\(symbols[i].name)) at 0x\(String(symbols[i].address, radix: 16)) sorts before its predecessor")
        }
        return out
    }
}
