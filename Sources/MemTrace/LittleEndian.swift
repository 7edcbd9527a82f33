/// Little-endian fixed-width integer helpers for the file and block headers.
enum LittleEndian {
    static func append<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        var v = v.littleEndian
        withUnsafeBytes(of: &v) { out.append(contentsOf: $0) }
    }

    /// Reads a `T` at `offset` of `bytes` (the caller checks the bounds).
    static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// Formats a 32-bit checksum as `0x` and eight hex digits.
func hex32(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
