import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The part of `SQLiteStore` that writes the `accesses` table's B-tree itself (`TableTreeWriter`):
/// deciding at creation whether it may, and handing the tree to the database in `finish`.
///
/// The direct path is taken only when every condition the pages are written for holds — checked on
/// the committed, freshly created file: no auto-vacuum, UTF-8, a rollback journal that is off
/// (nothing to roll back into a file changed behind SQLite's back), no reserved bytes per page,
/// schema format 4, the table's columns those of the store's INSERT with `seq` its rowid, and rows
/// that never need an overflow page. Otherwise the rows go through SQL as before and the reason is
/// kept in `directWriteObstacle` (and printed on stderr when `MEMREPLAY_DEBUG` is set).
extension SQLiteStore {
    /// The side file of the access rows' leaf pages.
    var accessPagesPath: String { temporaryPath + ".accesses" }

    /// A direct writer for `accesses`, or the reason there is none. Runs inside the schema's
    /// transaction, which it commits (so the file has its header) and begins again.
    static func directAccessWriter(db: SQLiteDatabase, temporaryPath: String, displayPath: String,
                                   hardware: Bool) throws -> (TableTreeWriter?, obstacle: String?) {
        try db.exec("COMMIT")
        let writer = try directAccessCheck(db: db, temporaryPath: temporaryPath, displayPath: displayPath, hardware: hardware)
        try db.exec("BEGIN")
        return writer
    }

    /// Whether SQLiteStore's default is the direct writer: yes unless `MEMREPLAY_DIRECT_WRITE=0`.
    public static var directWriteByDefault: Bool {
        getenv("MEMREPLAY_DIRECT_WRITE").map { String(cString: $0) != "0" } ?? true
    }

    private static func directAccessCheck(db: SQLiteDatabase, temporaryPath: String, displayPath: String,
                                          hardware: Bool) throws -> (TableTreeWriter?, obstacle: String?) {
        let journal = try db.text("PRAGMA journal_mode")
        if journal.lowercased() != "off" { return (nil, "the rollback journal is \(journal), not off") }
        if try db.text("PRAGMA auto_vacuum") != "0" { return (nil, "the database uses auto-vacuum") }
        let encoding = try db.text("PRAGMA encoding")
        if encoding != "UTF-8" { return (nil, "the text encoding is \(encoding)") }
        let insert = hardware ? StoreSchema.insertHardwareAccess : StoreSchema.insertAccess
        let wanted = insertColumns(insert)
        let info = try db.rows("SELECT name, type, pk FROM pragma_table_info('accesses') ORDER BY cid")
        if info.map({ $0[0] }) != wanted || info.first?[1] != "INTEGER" || info.first?[2] != "1"
            || info.dropFirst().contains(where: { $0[2] != "0" }) {
            return (nil, "the accesses table's columns are not (\(wanted.joined(separator: ", "))) with seq its INTEGER PRIMARY KEY")
        }
        guard let root = UInt32(try db.text("SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = 'accesses'")) else {
            return (nil, "the accesses table has no root page")
        }
        let header = try readHeader(temporaryPath, displayPath: displayPath)
        let rawSize = Int(header[16]) << 8 | Int(header[17])
        let pageSize = rawSize == 1 ? 65536 : rawSize
        if header[20] != 0 { return (nil, "the database reserves \(header[20]) bytes per page") }
        let format = Int(header[44]) << 24 | Int(header[45]) << 16 | Int(header[46]) << 8 | Int(header[47])
        if format != 4 { return (nil, "the schema format is \(format), not 4") }
        let widest = SQLiteRecord.headerLength(columns: wanted.count) + 8 * (wanted.count - 1)
        if widest > TableTreeWriter.maxLocalPayload(pageSize: pageSize) {
            return (nil, "a \(wanted.count)-column row may need an overflow page with \(pageSize)-byte pages")
        }
        let tree = try TableTreeWriter(sidecarPath: temporaryPath + ".accesses", displayPath: displayPath,
                                       pageSize: pageSize, columns: wanted.count, rootPage: root, fileFormat: format)
        return (tree, nil)
    }

    /// The column names of an `INSERT INTO t (a, b, …)`.
    static func insertColumns(_ insert: String) -> [String] {
        guard let open = insert.firstIndex(of: "("), let close = insert.firstIndex(of: ")") else { return [] }
        return insert[insert.index(after: open)..<close].split(separator: ",").map {
            String($0.filter { $0 != " " && $0 != "\n" && $0 != "\"" })
        }
    }

    private static func readHeader(_ path: String, displayPath: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw StoreError(file: displayPath, message: "cannot read the database's header: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 100)
        try header.withUnsafeMutableBufferPointer { try TableTreeWriter.readAll(fd, $0.baseAddress!, 100, at: 0, file: displayPath) }
        return header
    }

    /// Notes why the access rows go through SQL (stderr when `MEMREPLAY_DEBUG` is set).
    static func noteObstacle(_ obstacle: String, _ path: String) {
        if getenv("MEMREPLAY_DEBUG") != nil {
            let line = "memreplay: \(path): the accesses table is written through SQL: \(obstacle)\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        }
    }

    /// Commits, closes the connection, hands the access tree to the file (`TableTreeWriter.splice`),
    /// and opens the connection again inside a new transaction. A no-op on the SQL path.
    func spliceDirectTables() throws {
        guard let tree = writer.direct else { return }
        try tree.finishLeaves()
        try db.exec("COMMIT")
        writer.finalize()
        try db.closeChecked()
        directAccessRows = tree.rowCount
        try tree.splice(into: temporaryPath)
        writer.direct = nil
        try db.reopen()
        try db.exec(StoreSchema.bulkLoadPragmas)
        try db.exec("BEGIN")
    }

    /// `ANALYZE` (with `analysis_limit` 1000), but for the table the direct writer filled, whose
    /// row count — all `ANALYZE` finds in a table without indexes — is known: SQLite would count
    /// it by reading every page (3.3 GB at 10^8 events, and SQLite's page cache filled with them),
    /// so its `sqlite_stat1` row is written as `ANALYZE` writes it instead.
    func analyze() throws {
        guard let rows = directAccessRows else {
            try db.exec("PRAGMA analysis_limit = 1000; ANALYZE")
            return
        }
        var sql = "PRAGMA analysis_limit = 1000;"
        for table in try db.rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'accesses' ORDER BY rowid") {
            sql += " ANALYZE \"\(table[0])\";"
        }
        try db.exec(sql)   // creates sqlite_stat1 (the schema always has other tables)
        if rows > 0 {
            try db.exec("INSERT INTO sqlite_stat1 VALUES ('accesses', NULL, '\(rows)')")
        }
    }
}
