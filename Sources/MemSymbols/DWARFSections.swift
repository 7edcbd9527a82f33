/// The DWARF sections of one file (decompressed), each empty when absent.
struct DWARFSections: Sendable {
    var file: String
    var info = ByteView.empty
    var abbrev = ByteView.empty
    var line = ByteView.empty
    var str = ByteView.empty
    var lineStr = ByteView.empty
    var strOffsets = ByteView.empty
    var addr = ByteView.empty
    var ranges = ByteView.empty
    var rnglists = ByteView.empty
    var aranges = ByteView.empty

    init(file: String) { self.file = file }

    /// Reads the sections of `elf`; nil when it has no `.debug_info`.
    init?(_ elf: ELFFile) throws(SymbolError) {
        guard let info = try elf.contents(named: ".debug_info"), info.count > 0 else { return nil }
        file = elf.path
        self.info = info
        abbrev = try elf.contents(named: ".debug_abbrev") ?? .empty
        line = try elf.contents(named: ".debug_line") ?? .empty
        str = try elf.contents(named: ".debug_str") ?? .empty
        lineStr = try elf.contents(named: ".debug_line_str") ?? .empty
        strOffsets = try elf.contents(named: ".debug_str_offsets") ?? .empty
        addr = try elf.contents(named: ".debug_addr") ?? .empty
        ranges = try elf.contents(named: ".debug_ranges") ?? .empty
        rnglists = try elf.contents(named: ".debug_rnglists") ?? .empty
        aranges = try elf.contents(named: ".debug_aranges") ?? .empty
    }

    func cursor(_ view: ByteView, _ name: String, at offset: Int = 0) -> ByteCursor {
        ByteCursor(view, at: offset, file: file, section: name)
    }

    /// A string in `.debug_str` (or `.debug_line_str` when `line` is set).
    func string(at offset: UInt64, line: Bool = false) throws(SymbolError) -> String {
        let view = line ? lineStr : str
        guard offset < UInt64(view.count), let s = view.cString(at: Int(offset)) else {
            throw SymbolError(file: file, section: line ? ".debug_line_str" : ".debug_str", offset: Int(clamping: offset),
                              "expected a NUL-terminated string (section has \(view.count) bytes)")
        }
        return s
    }
}
