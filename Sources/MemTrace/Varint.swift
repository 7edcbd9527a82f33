/// LEB128 variable-length integers, zigzag mapping and little-endian fixed-width helpers used by
/// the `.mrt` encoding.
///
/// Unsigned values are written seven bits at a time, least significant group first, with the high
/// bit of each byte set when more bytes follow (at most 10 bytes for a 64-bit value). Signed values
/// are first zigzag-mapped (0, −1, 1, −2, … → 0, 1, 2, 3, …) so that small magnitudes stay short.
enum Varint {
    /// The most bytes a 64-bit varint may take.
    static let maxLength = 10

    /// Maps a signed value to an unsigned one with small magnitudes first.
    @inline(__always) static func zigzag(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v << 1) ^ (v >> 63))
    }

    /// The inverse of `zigzag`.
    @inline(__always) static func unzigzag(_ u: UInt64) -> Int64 {
        Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    /// The number of bytes `v` takes as a varint.
    @inline(__always) static func length(_ v: UInt64) -> Int {
        v < 0x80 ? 1 : (64 - v.leadingZeroBitCount + 6) / 7
    }

    /// Appends `v` as a varint.
    @inline(__always) static func append(_ v: UInt64, to out: inout [UInt8]) {
        if v < 0x80 { out.append(UInt8(truncatingIfNeeded: v)); return }
        appendLong(v, to: &out)
    }

    /// `append` of a value of two bytes or more: the bytes are formed in registers and appended
    /// at once (one uniqueness and capacity check instead of one per byte).
    static func appendLong(_ v: UInt64, to out: inout [UInt8]) {
        var low: UInt64 = 0, high: UInt64 = 0, n = 0, v = v
        while v >= 0x80 {
            let b = (v & 0x7F) | 0x80
            if n < 8 { low |= b << (8 * UInt64(n)) } else { high |= b << (8 * UInt64(n - 8)) }
            n += 1
            v >>= 7
        }
        if n < 8 { low |= v << (8 * UInt64(n)) } else { high |= v << (8 * UInt64(n - 8)) }
        n += 1
        withUnsafeBytes(of: (low.littleEndian, high.littleEndian)) { bytes in
            out.append(contentsOf: UnsafeRawBufferPointer(start: bytes.baseAddress, count: n))
        }
    }

    /// Stores `v` as a varint at `p` without any check (the caller guarantees `maxLength` bytes of
    /// room); returns the bytes written. The encoder's per-event path (`BlockEncoder`).
    @inline(__always) static func store(_ v: UInt64, at p: UnsafeMutablePointer<UInt8>) -> Int {
        if v < 0x80 { p.pointee = UInt8(truncatingIfNeeded: v); return 1 }
        var v = v, n = 0
        repeat {
            p[n] = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            n &+= 1
        } while v >= 0x80
        p[n] = UInt8(truncatingIfNeeded: v)
        return n &+ 1
    }

    /// Appends `v` zigzag-mapped as a varint.
    @inline(__always) static func appendSigned(_ v: Int64, to out: inout [UInt8]) {
        append(zigzag(v), to: &out)
    }
}
