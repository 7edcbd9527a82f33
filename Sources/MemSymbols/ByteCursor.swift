/// A bounds-checked little-endian reader over a section; every failure names file, section, offset.
struct ByteCursor {
    let view: ByteView
    var offset: Int
    let file: String
    let section: String

    init(_ view: ByteView, at offset: Int = 0, file: String, section: String) {
        self.view = view
        self.offset = offset
        self.file = file
        self.section = section
    }

    var atEnd: Bool { offset >= view.count }
    var remaining: Int { view.count - offset }

    func error(_ message: String, at position: Int? = nil) -> SymbolError {
        SymbolError(file: file, section: section, offset: position ?? offset, message)
    }

    @inline(__always)
    private mutating func need(_ n: Int, _ what: String) throws(SymbolError) -> UnsafeRawPointer {
        guard offset >= 0, n <= view.count - offset, let base = view.base else {
            throw error("expected \(what) (\(n) bytes), section ends at \(view.count)")
        }
        let p = base + offset
        offset += n
        return p
    }

    mutating func u8() throws(SymbolError) -> UInt8 { try need(1, "a byte").load(as: UInt8.self) }
    mutating func u16() throws(SymbolError) -> UInt16 { UInt16(littleEndian: try need(2, "a 2-byte value").loadUnaligned(as: UInt16.self)) }
    mutating func u32() throws(SymbolError) -> UInt32 { UInt32(littleEndian: try need(4, "a 4-byte value").loadUnaligned(as: UInt32.self)) }
    mutating func u64() throws(SymbolError) -> UInt64 { UInt64(littleEndian: try need(8, "an 8-byte value").loadUnaligned(as: UInt64.self)) }
    mutating func u24() throws(SymbolError) -> UInt64 {
        let p = try need(3, "a 3-byte value")
        return UInt64(p.load(as: UInt8.self)) | UInt64(p.load(fromByteOffset: 1, as: UInt8.self)) << 8
            | UInt64(p.load(fromByteOffset: 2, as: UInt8.self)) << 16
    }

    /// An unsigned value of `size` bytes (1, 2, 4 or 8: an address or offset size).
    mutating func unsigned(size: Int) throws(SymbolError) -> UInt64 {
        switch size {
        case 1: return UInt64(try u8())
        case 2: return UInt64(try u16())
        case 4: return UInt64(try u32())
        case 8: return try u64()
        default: throw error("unsupported value size \(size)")
        }
    }

    mutating func uleb() throws(SymbolError) -> UInt64 {
        var result: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try u8()
            if shift < 64 { result |= UInt64(b & 0x7f) << shift }
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func sleb() throws(SymbolError) -> Int64 {
        var result: Int64 = 0, shift: Int64 = 0, b: UInt8 = 0
        repeat {
            b = try u8()
            if shift < 64 { result |= Int64(b & 0x7f) << shift }
            shift += 7
        } while b & 0x80 != 0
        if shift < 64, b & 0x40 != 0 { result |= -1 << shift }
        return result
    }

    mutating func skip(_ n: Int) throws(SymbolError) { _ = try need(n, "\(n) bytes to skip") }

    mutating func skip(_ n: UInt64) throws(SymbolError) {
        guard n <= UInt64(Int.max) else { throw error("length \(n) too large") }
        try skip(Int(n))
    }

    /// A NUL-terminated string.
    mutating func cString() throws(SymbolError) -> String {
        guard let s = view.cString(at: offset) else { throw error("expected a NUL-terminated string") }
        offset += s.utf8.count + 1
        return s
    }

    /// Skips a NUL-terminated string without decoding it; returns its start.
    mutating func skipCString() throws(SymbolError) -> Int {
        let start = offset
        guard offset >= 0, offset < view.count, let base = view.base,
              let end = memchr(base + offset, 0, view.count - offset) else {
            throw error("expected a NUL-terminated string")
        }
        offset = (UnsafeRawPointer(end) - base) + 1
        return start
    }

    /// A DWARF initial length: (length, offset size 4 or 8).
    mutating func initialLength() throws(SymbolError) -> (length: UInt64, offsetSize: Int) {
        let l = try u32()
        if l == 0xffff_ffff { return (try u64(), 8) }
        if l >= 0xffff_fff0 { throw error("reserved unit length 0x\(String(l, radix: 16))", at: offset - 4) }
        return (UInt64(l), 4)
    }
}

#if canImport(Glibc)
import Glibc
#endif
