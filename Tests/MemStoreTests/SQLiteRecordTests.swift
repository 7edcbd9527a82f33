import CSQLite
import Foundation
@testable import MemStore
import Testing

/// The record encoder against SQLite's own: the same rows inserted through SQL and encoded by
/// `SQLiteRecord`, compared cell for cell on SQLite's leaf page and column for column (`quote()`)
/// once the encoded rows are spliced in as a table.
@Suite struct SQLiteRecordTests {
    /// Integers at every serial type's edges, 0 and 1 (types 8 and 9), negatives and the extremes.
    static let values: [Int64] = [0, 1, -1, 2, 127, 128, -128, -129, 255, 32767, 32768, -32768, -32769, 8_388_607,
                                  8_388_608, -8_388_608, -8_388_609, 2_147_483_647, 2_147_483_648, -2_147_483_648,
                                  -2_147_483_649, 0x7FFF_FFFF_FFFF, 0x8000_0000_0000, -0x8000_0000_0000,
                                  -0x8000_0000_0001, .max, .min]

    /// Row `i`: rowid `rowids[i]`, then five columns rotated through `values`, the last NULL in every
    /// third row (a row shorter than the table ends in NULLs).
    static func row(_ i: Int, rowids: [Int64]) -> [Int64] {
        let n = values.count
        let columns = (0..<5).map { values[(i * 7 + $0 * 3) % n] }
        return [rowids[i]] + (i % 3 == 2 ? Array(columns.dropLast()) : columns)
    }

    static let schema = "(seq INTEGER PRIMARY KEY, a INTEGER, b INTEGER, c INTEGER, d INTEGER, e INTEGER)"

    @Test func varintsRoundTripAtEveryLength() {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 9)
        defer { p.deallocate() }
        for bits in 0...64 {
            for v in [bits == 64 ? UInt64.max : (UInt64(1) << UInt64(bits)) &- 1, UInt64(1) << UInt64(min(bits, 63))] {
                let n = SQLiteRecord.putVarint(v, p)
                #expect(n == SQLiteRecord.varintLength(v))
                #expect(SQLiteRecord.readVarint(p) == (v, n), "\(v)")
            }
        }
        #expect(SQLiteRecord.varintLength(0x7F) == 1 && SQLiteRecord.varintLength(0x80) == 2)
        #expect(SQLiteRecord.varintLength(1 << 56 - 1) == 8 && SQLiteRecord.varintLength(1 << 56) == 9)
    }

    @Test func serialTypesAreSQLitesSmallest() {
        let expected: [(Int64, UInt8, Int)] = [(0, 8, 0), (1, 9, 0), (-1, 1, 1), (2, 1, 1), (127, 1, 1), (128, 2, 2),
            (-128, 1, 1), (-129, 2, 2), (32768, 3, 3), (-8_388_609, 4, 4), (2_147_483_648, 5, 6),
            (0x8000_0000_0000, 6, 8), (.min, 6, 8)]
        for (v, type, length) in expected {
            #expect(SQLiteRecord.serialType(v) == (type, length), "\(v)")
        }
        #expect(SQLiteRecord.serialType(0, fileFormat: 1) == (1, 1) && SQLiteRecord.serialType(1, fileFormat: 1) == (1, 1))
    }

    /// SQLite's cells for the rows, read from the page it wrote, are byte for byte the encoder's.
    @Test func cellsAreByteForByteSQLites() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/cells.db"
        let rowids = Self.values.sorted()
        let db = try SQLiteDatabase(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try db.exec("PRAGMA journal_mode = OFF; CREATE TABLE t \(Self.schema)")
        try insertWithSQL(db, "t", rowids: rowids)
        let root = Int(try db.text("SELECT rootpage FROM sqlite_schema WHERE name = 't'"))!
        db.close()
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        let page = Array(file[(root - 1) * 4096..<root * 4096])
        #expect(page[0] == 0x0D && Int(page[3]) << 8 | Int(page[4]) == rowids.count)
        let cell = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        defer { cell.deallocate() }
        for i in rowids.indices {
            let row = Self.row(i, rowids: rowids)
            let (size, payload) = row.withUnsafeBufferPointer {
                SQLiteRecord.cellSize($0.baseAddress!, count: $0.count, trailingNulls: 6 - $0.count)
            }
            let written = row.withUnsafeBufferPointer {
                SQLiteRecord.putCell($0.baseAddress!, count: $0.count, trailingNulls: 6 - $0.count, payload: payload, at: cell)
            }
            #expect(written == size)
            let offset = Int(page[8 + 2 * i]) << 8 | Int(page[9 + 2 * i])
            #expect(Array(page[offset..<offset + size]) == Array(UnsafeBufferPointer(start: cell, count: size)), "row \(i): \(row)")
        }
    }

    /// The rows encoded and spliced in read back as SQLite's own: `quote()` and `typeof()` of
    /// every column equal, and the database passes `integrity_check` and `quick_check`.
    @Test func splicedRowsReadBackAsSQLInsertedOnes() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/quote.db"
        let rowids = Self.values.sorted()
        let db = try SQLiteDatabase(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try db.exec("PRAGMA journal_mode = OFF; CREATE TABLE t \(Self.schema); CREATE TABLE u \(Self.schema)")
        try insertWithSQL(db, "t", rowids: rowids)
        let root = UInt32(try db.text("SELECT rootpage FROM sqlite_schema WHERE name = 'u'"))!
        db.close()
        let tree = try TableTreeWriter(sidecarPath: path + ".u", displayPath: path, pageSize: 4096, columns: 6, rootPage: root)
        for i in rowids.indices {
            try Self.row(i, rowids: rowids).withUnsafeBufferPointer { try tree.append($0.baseAddress!, count: $0.count) }
        }
        #expect(tree.invariantViolations().isEmpty)
        try tree.splice(into: path)
        let quoted = { (table: String) in
            "SELECT seq, quote(a), quote(b), quote(c), quote(d), quote(e), typeof(e) FROM \(table) ORDER BY seq"
        }
        #expect(try rows(path, "PRAGMA integrity_check") == [["ok"]])
        #expect(try rows(path, "PRAGMA quick_check") == [["ok"]])
        let direct = try rows(path, quoted("u"))
        #expect(direct.count == rowids.count)
        #expect(direct == (try rows(path, quoted("t"))))
        for i in rowids.indices {
            let row = Self.row(i, rowids: rowids)
            let expected = row.map(String.init) + (row.count == 6 ? ["integer"] : ["NULL", "null"])
            #expect(direct[i] == expected, "row \(i)")
        }
    }

    /// Inserts `row(i)` for every rowid with one bound SQL INSERT each (a short row leaves `e` out).
    func insertWithSQL(_ db: SQLiteDatabase, _ table: String, rowids: [Int64]) throws {
        for i in rowids.indices {
            let row = Self.row(i, rowids: rowids)
            let names = ["seq", "a", "b", "c", "d", "e"].prefix(row.count).joined(separator: ", ")
            let parameters = (1...row.count).map { "?\($0)" }.joined(separator: ", ")
            let stmt = try db.prepare("INSERT INTO \(table) (\(names)) VALUES (\(parameters))")
            defer { stmt.finalize() }
            for (c, v) in row.enumerated() { stmt.bind(Int32(c + 1), v) }
            #expect(stmt.execute() == SQLITE_DONE)
        }
    }
}
