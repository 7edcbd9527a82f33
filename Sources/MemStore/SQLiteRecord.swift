/// SQLite's record format for rows of integers and NULLs: serial types, varints, and the cell of a
/// table B-tree leaf (https://www.sqlite.org/fileformat2.html, "Record Format" and "B-tree Pages").
///
/// A cell is the payload's length (varint), the rowid (varint) and the payload: a header — its own
/// length (varint) and one serial type (varint) per column — then each column's body, big-endian.
/// The rowid's own column (an `INTEGER PRIMARY KEY`) is NULL in the record, as SQLite writes it.
/// Integers take SQLite's smallest serial type for their value (`sqlite3VdbeSerialType`): 0 and 1
/// are the body-less types 8 and 9 in a schema format 4 file, else 1, 2, 3, 4, 6 or 8 bytes.
enum SQLiteRecord {
    /// The largest integer a 6-byte body holds.
    static let max6Byte: UInt64 = 0x0000_7FFF_FFFF_FFFF

    /// The serial type of integer `value` and the bytes its body takes.
    @inline(__always)
    static func serialType(_ value: Int64, fileFormat: Int = 4) -> (type: UInt8, length: Int) {
        let u = value < 0 ? UInt64(bitPattern: ~value) : UInt64(bitPattern: value)
        if u <= 127 {
            if value & 1 == value && fileFormat >= 4 { return (8 + UInt8(value), 0) }
            return (1, 1)
        }
        if u <= 32767 { return (2, 2) }
        if u <= 8_388_607 { return (3, 3) }
        if u <= 2_147_483_647 { return (4, 4) }
        if u <= max6Byte { return (5, 6) }
        return (6, 8)
    }

    /// Bytes SQLite's varint of `value` takes (1…9).
    @inline(__always)
    static func varintLength(_ value: UInt64) -> Int {
        if value <= 0x7F { return 1 }
        if value <= 0x3FFF { return 2 }
        var n = 1
        var v = value >> 7
        while v != 0 && n < 8 { n += 1; v >>= 7 }
        return v != 0 ? 9 : n
    }

    /// Writes SQLite's varint of `value` at `p` (big-endian groups of 7 bits, the high bit set on
    /// every byte but the last; a ninth byte carries 8 bits); returns the bytes written.
    @inline(__always) @discardableResult
    static func putVarint(_ value: UInt64, _ p: UnsafeMutablePointer<UInt8>) -> Int {
        if value <= 0x7F { p[0] = UInt8(value); return 1 }
        if value <= 0x3FFF { p[0] = UInt8(value >> 7) | 0x80; p[1] = UInt8(value & 0x7F); return 2 }
        let n = varintLength(value)
        var v = value
        if n == 9 {
            p[8] = UInt8(truncatingIfNeeded: v)
            v >>= 8
            for i in stride(from: 7, through: 0, by: -1) { p[i] = UInt8(v & 0x7F) | 0x80; v >>= 7 }
            return 9
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            p[i] = UInt8(v & 0x7F) | (i == n - 1 ? 0 : 0x80)
            v >>= 7
        }
        return n
    }

    /// Reads the varint at `p`: its value and length (for the invariant checks and tests).
    static func readVarint(_ p: UnsafePointer<UInt8>) -> (value: UInt64, length: Int) {
        var v: UInt64 = 0
        for i in 0..<8 {
            v = (v << 7) | UInt64(p[i] & 0x7F)
            if p[i] & 0x80 == 0 { return (v, i + 1) }
        }
        return ((v << 8) | UInt64(p[8]), 9)
    }

    /// The record header's length for `columns` integer or NULL columns: one byte of serial type
    /// each (all below 128) and the length's own varint, one byte up to 126 columns, else two.
    @inline(__always)
    static func headerLength(columns: Int) -> Int { columns + 1 <= 127 ? columns + 1 : columns + 2 }

    /// The size of the table-leaf cell of a row: `values[0]` is the rowid (its column NULL in the
    /// record), `values[1..<count]` the next columns, then `trailingNulls` NULL columns. The
    /// payload's size is returned too (a cell whose payload exceeds the page's local limit would
    /// need overflow pages).
    @inline(__always)
    static func cellSize(_ values: UnsafePointer<Int64>, count: Int, trailingNulls: Int,
                         fileFormat: Int = 4) -> (cell: Int, payload: Int) {
        var body = 0
        for i in 1..<count { body += serialType(values[i], fileFormat: fileFormat).length }
        let payload = headerLength(columns: count + trailingNulls) + body
        return (varintLength(UInt64(payload)) + varintLength(UInt64(bitPattern: values[0])) + payload, payload)
    }

    /// Writes the cell `cellSize` measured at `p`; returns its size.
    @inline(__always) @discardableResult
    static func putCell(_ values: UnsafePointer<Int64>, count: Int, trailingNulls: Int, payload: Int,
                        fileFormat: Int = 4, at p: UnsafeMutablePointer<UInt8>) -> Int {
        var o = putVarint(UInt64(payload), p)
        o += putVarint(UInt64(bitPattern: values[0]), p + o)
        let header = headerLength(columns: count + trailingNulls)
        var h = o + putVarint(UInt64(header), p + o)
        var b = o + header
        p[h] = 0; h += 1  // the rowid's column
        for i in 1..<count {
            let v = values[i]
            let (type, length) = serialType(v, fileFormat: fileFormat)
            p[h] = type; h += 1
            var x = UInt64(bitPattern: v)
            var k = length - 1
            while k >= 0 { p[b + k] = UInt8(truncatingIfNeeded: x); x >>= 8; k -= 1 }
            b += length
        }
        for _ in 0..<trailingNulls { p[h] = 0; h += 1 }
        return b
    }
}
