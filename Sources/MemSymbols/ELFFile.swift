/// A 64-bit little-endian ELF file, mapped read-only: sections, load segments, notes.
public final class ELFFile: @unchecked Sendable {
    /// One section header.
    public struct Section: Sendable {
        public var name: String
        public var type: UInt32
        public var flags: UInt64
        public var address: UInt64
        public var fileOffset: UInt64
        public var size: UInt64
        public var link: UInt32
        public var entrySize: UInt64
        public var index: Int

        public var isCompressed: Bool { flags & ELFFile.shfCompressed != 0 }
        public var hasData: Bool { type != ELFFile.shtNobits && type != 0 }
    }

    /// One PT_LOAD program header.
    public struct LoadSegment: Sendable, Equatable {
        public var fileOffset: UInt64
        public var virtualAddress: UInt64
        public var fileSize: UInt64
        public var memorySize: UInt64
        public var flags: UInt32
    }

    static let shtSymtab: UInt32 = 2, shtNote: UInt32 = 7, shtNobits: UInt32 = 8, shtDynsym: UInt32 = 11
    static let shfCompressed: UInt64 = 0x800
    static let ptLoad: UInt32 = 1

    public let path: String
    let data: ByteView
    public let type: UInt16
    public let sections: [Section]
    public let loadSegments: [LoadSegment]
    public private(set) var buildID: BuildID?
    /// `.gnu_debuglink`: the debuginfo file's name and the CRC-32 of its contents.
    public private(set) var debugLink: (name: String, crc: UInt32)?
    private var byName: [String: Int] = [:]

    /// Maps and parses `path`'s headers (sections' contents are read on demand).
    public convenience init(path: String) throws(SymbolError) {
        let storage = try ByteStorage(mapping: path)
        try self.init(path: path, data: ByteView(storage))
    }

    init(path: String, data: ByteView) throws(SymbolError) {
        self.path = path
        self.data = data
        var c = ByteCursor(data, file: path, section: "ELF header")
        guard data.count >= 64, let magic = data.bytes(0, 6), magic[0] == 0x7f, magic[1] == 0x45, magic[2] == 0x4c, magic[3] == 0x46 else {
            throw SymbolError(file: path, section: "ELF header", offset: 0, "expected the ELF magic \\x7fELF and a 64-byte header")
        }
        guard magic[4] == 2, magic[5] == 1 else {
            throw SymbolError(file: path, section: "ELF header", offset: 4, "expected a 64-bit little-endian ELF file (class \(magic[4]), data \(magic[5]))")
        }
        c.offset = 16
        type = try c.u16()
        c.offset = 0x20
        let phoff = try c.u64(), shoff = try c.u64()
        c.offset = 0x36
        let phentsize = Int(try c.u16()), phnum0 = Int(try c.u16())
        let shentsize = Int(try c.u16())
        var shnum = Int(try c.u16()), shstrndx = Int(try c.u16())

        // Section headers (count and string table index may live in section 0 when large).
        var headers: [Section] = []
        if shoff != 0 {
            guard shentsize >= 64 else { throw SymbolError(file: path, section: "ELF header", offset: 0x3a, "expected section header size ≥ 64, found \(shentsize)") }
            var h = ByteCursor(data, at: try Self.offset(shoff, path: path, what: "e_shoff", at: 0x28), file: path, section: "section headers")
            if shnum == 0 || shstrndx == 0xffff {
                let zero = h.offset
                h.offset = zero + 0x20
                let size0 = try h.u64()
                let link0 = try h.u32()
                if shnum == 0 { shnum = Int(clamping: size0) }
                if shstrndx == 0xffff { shstrndx = Int(link0) }
                h.offset = zero
            }
            guard shnum <= (data.count - h.offset) / shentsize else {
                throw SymbolError(file: path, section: "section headers", offset: h.offset, "expected \(shnum) headers of \(shentsize) bytes, file ends at \(data.count)")
            }
            for i in 0..<shnum {
                let start = h.offset
                let nameOffset = try h.u32(), type = try h.u32(), flags = try h.u64(), address = try h.u64()
                let fileOffset = try h.u64(), size = try h.u64(), link = try h.u32()
                _ = try h.u32(); _ = try h.u64()
                let entrySize = try h.u64()
                h.offset = start + shentsize
                headers.append(Section(name: String(nameOffset), type: type, flags: flags, address: address,
                                       fileOffset: fileOffset, size: size, link: link, entrySize: entrySize, index: i))
            }
            if shstrndx > 0 && shstrndx < headers.count {
                let strtab = headers[shstrndx]
                guard let names = data.slice(Int(clamping: strtab.fileOffset), Int(clamping: strtab.size)) else {
                    throw SymbolError(file: path, section: "section headers", offset: Int(clamping: strtab.fileOffset), "section name table [\(shstrndx)] lies outside the file")
                }
                for i in headers.indices {
                    let n = Int(headers[i].name) ?? 0
                    headers[i].name = names.cString(at: n) ?? ""
                }
            } else {
                for i in headers.indices { headers[i].name = "" }
            }
        }
        sections = headers

        var segments: [LoadSegment] = []
        if phoff != 0 && phnum0 > 0 {
            guard phentsize >= 56 else { throw SymbolError(file: path, section: "ELF header", offset: 0x36, "expected program header size ≥ 56, found \(phentsize)") }
            var p = ByteCursor(data, at: try Self.offset(phoff, path: path, what: "e_phoff", at: 0x20), file: path, section: "program headers")
            for _ in 0..<phnum0 {
                let start = p.offset
                let t = try p.u32(), flags = try p.u32(), off = try p.u64(), vaddr = try p.u64()
                _ = try p.u64()
                let filesz = try p.u64(), memsz = try p.u64()
                p.offset = start + phentsize
                if t == Self.ptLoad { segments.append(LoadSegment(fileOffset: off, virtualAddress: vaddr, fileSize: filesz, memorySize: memsz, flags: flags)) }
            }
        }
        loadSegments = segments
        for s in sections where !s.name.isEmpty && byName[s.name] == nil { byName[s.name] = s.index }
        try readNotes()
    }

    private static func offset(_ v: UInt64, path: String, what: String, at: Int) throws(SymbolError) -> Int {
        guard v < UInt64(Int.max) else { throw SymbolError(file: path, section: "ELF header", offset: at, "\(what) 0x\(String(v, radix: 16)) lies outside the file") }
        return Int(v)
    }

    public func section(named name: String) -> Section? { byName[name].map { sections[$0] } }

    /// The load bias of a mapping: `start` is where the kernel mapped file offset `fileOffset`
    /// (a line of /proc/PID/maps). Subtract it from a pc to get the address this file's symbols
    /// and DWARF use.
    public func loadBias(mappedAt start: UInt64, fileOffset: UInt64) -> UInt64? {
        for s in loadSegments where fileOffset >= s.fileOffset && fileOffset < s.fileOffset &+ max(s.fileSize, 1) {
            return start &- (s.virtualAddress &+ (fileOffset - s.fileOffset))
        }
        return nil
    }

    /// The raw bytes of a section as stored in the file (compressed ones still compressed).
    func rawContents(_ s: Section) throws(SymbolError) -> ByteView {
        guard s.hasData else { return .empty }
        guard s.fileOffset <= UInt64(Int.max), s.size <= UInt64(Int.max),
              let view = data.slice(Int(s.fileOffset), Int(s.size)) else {
            throw SymbolError(file: path, section: s.name, offset: Int(clamping: s.fileOffset),
                              "section of \(s.size) bytes at file offset \(s.fileOffset) lies outside the file (\(data.count) bytes)")
        }
        return view
    }

    private func readNotes() throws(SymbolError) {
        for s in sections where s.type == Self.shtNote {
            let view = try rawContents(s)
            var c = ByteCursor(view, file: path, section: s.name)
            while c.remaining >= 12 {
                let namesz = Int(try c.u32()), descsz = Int(try c.u32()), type = try c.u32()
                let nameStart = c.offset
                try c.skip((namesz + 3) & ~3)
                let descStart = c.offset
                try c.skip((descsz + 3) & ~3)
                if type == 3, namesz == 4, view.cString(at: nameStart) == "GNU", let desc = view.bytes(descStart, descsz), !desc.isEmpty {
                    buildID = BuildID(rawValue: desc)
                }
            }
        }
        if let s = section(named: ".gnu_debuglink") {
            let view = try rawContents(s)
            var c = ByteCursor(view, file: path, section: s.name)
            let name = try c.cString()
            c.offset = (c.offset + 3) & ~3
            let crc = try c.u32()
            debugLink = (name, crc)
        }
    }
}
