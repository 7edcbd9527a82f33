import CZlib
import CZstd

extension ELFFile {
    /// The contents of a section, decompressed when SHF_COMPRESSED (zlib or zstd) or a legacy
    /// `.zdebug_*` section; an empty view for NOBITS sections.
    func contents(of s: Section) throws(SymbolError) -> ByteView {
        let raw = try rawContents(s)
        if s.isCompressed {
            var c = ByteCursor(raw, file: path, section: s.name)
            let type = try c.u32()
            _ = try c.u32()
            let size = try c.u64()
            _ = try c.u64()
            return try decompress(raw, from: c.offset, type: type, size: size, section: s.name)
        }
        if s.name.hasPrefix(".zdebug_"), let magic = raw.bytes(0, 12), magic[0..<4] == [0x5a, 0x4c, 0x49, 0x42] {
            var size: UInt64 = 0
            for b in magic[4..<12] { size = size << 8 | UInt64(b) }
            return try decompress(raw, from: 12, type: 1, size: size, section: s.name)
        }
        return raw
    }

    /// The decompressed contents of the named section (`.zdebug_*` is tried for `.debug_*`), or nil.
    func contents(named name: String) throws(SymbolError) -> ByteView? {
        if let s = section(named: name), s.hasData { return try contents(of: s) }
        if name.hasPrefix(".debug_"), let s = section(named: ".z" + name.dropFirst()), s.hasData { return try contents(of: s) }
        return nil
    }

    private func decompress(_ raw: ByteView, from offset: Int, type: UInt32, size: UInt64, section: String) throws(SymbolError) -> ByteView {
        // A section larger than 64 × its compressed bytes (plus 1 MiB) is a corrupt header.
        let inputCount = raw.count - offset
        guard size <= UInt64(inputCount) * 64 + (1 << 20) else {
            throw SymbolError(file: path, section: section, offset: 8, "compressed section claims \(size) bytes from \(inputCount)")
        }
        let n = Int(size)
        let out = UnsafeMutableRawPointer.allocate(byteCount: max(n, 1), alignment: 16)
        let input = raw.base.map { $0 + offset }
        var produced = 0
        switch type {
        case 1:
            var stream = z_stream()
            guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                out.deallocate()
                throw SymbolError(file: path, section: section, offset: 0, "zlib initialisation failed")
            }
            stream.next_in = UnsafeMutablePointer(mutating: input?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(inputCount)
            stream.next_out = out.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(n)
            let rc = inflate(&stream, Z_FINISH)
            produced = Int(stream.total_out)
            inflateEnd(&stream)
            guard rc == Z_STREAM_END else {
                out.deallocate()
                throw SymbolError(file: path, section: section, offset: offset + Int(stream.total_in),
                                  "zlib data is corrupt or shorter than the declared \(n) bytes (inflate returned \(rc))")
            }
        case 2:
            let r = ZSTD_decompress(out, n, input, inputCount)
            if ZSTD_isError(r) != 0 {
                out.deallocate()
                throw SymbolError(file: path, section: section, offset: offset,
                                  "zstd data is corrupt: \(String(cString: ZSTD_getErrorName(r)))")
            }
            produced = r
        default:
            out.deallocate()
            throw SymbolError(file: path, section: section, offset: 0, "unknown compression type \(type) (expected 1 zlib or 2 zstd)")
        }
        guard produced == n else {
            out.deallocate()
            throw SymbolError(file: path, section: section, offset: offset, "decompressed \(produced) bytes, header says \(n)")
        }
        return ByteView(ByteStorage(owning: out, count: n))
    }

    /// CRC-32 (the one `.gnu_debuglink` records) of the whole file.
    public func crc32OfFile() -> UInt32 {
        guard let base = data.base else { return 0 }
        var crc: uLong = CZlib.crc32(0, nil, 0)
        var offset = 0
        while offset < data.count {
            let chunk = min(1 << 30, data.count - offset)
            crc = CZlib.crc32(crc, base.assumingMemoryBound(to: Bytef.self) + offset, uInt(chunk))
            offset += chunk
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
