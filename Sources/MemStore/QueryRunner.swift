import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs SQL against a run database, read-only, for `memreplay query`.
///
/// The database is opened with `SQLITE_OPEN_READONLY` (never created) and `PRAGMA query_only=1`.
/// Every statement of the text runs in order; the rows of each statement that returns columns are
/// collected and rendered by `ResultFormatter`. A statement that would write fails with a message
/// saying the database is read-only.
public enum QueryRunner {
    /// Runs `sql` — SQL text, or the path of a `.sql` file — and renders the results in `format`.
    public static func run(database: String, sql: String, format: ResultFormat) throws -> String {
        let text = try sqlText(sql)
        return ResultFormatter.render(try execute(database: database, sql: text), format: format)
    }

    /// The SQL to run: the file's contents when `argument` names an existing `.sql` file (or any
    /// existing file when the text holds no space), else `argument` itself.
    public static func sqlText(_ argument: String) throws -> String {
        let looksLikeFile = argument.hasSuffix(".sql") || !argument.contains(where: { $0 == " " || $0 == "\n" })
        guard looksLikeFile else { return argument }
        var info = stat()
        if stat(argument, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG {
            guard let contents = readFile(argument) else {
                throw StoreError(file: argument, message: "cannot read the SQL file")
            }
            return contents
        }
        if argument.hasSuffix(".sql") {
            throw StoreError(file: argument, message: "no such SQL file")
        }
        return argument
    }

    /// Runs every statement of `sql` and returns one result set per statement that returns rows.
    public static func execute(database: String, sql: String) throws -> [ResultSet] {
        var info = stat()
        guard stat(database, &info) == 0 else {
            throw StoreError(file: database, message: "no such database file")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw StoreError(file: database, message: "not a regular file")
        }
        guard info.st_size > 0 else {
            throw StoreError(file: database, message: "not an SQLite database (the file is empty)")
        }
        let db = try SQLiteDatabase(path: database, flags: SQLITE_OPEN_READONLY)
        defer { db.close() }
        do {
            // Reading the schema makes SQLite check the header, so a non-database fails here.
            try db.exec("PRAGMA query_only = 1; SELECT count(*) FROM sqlite_schema")
        } catch let error as StoreError {
            throw explain(error, database: database)
        }
        var results: [ResultSet] = []
        var bytes = Array(sql.utf8CString)
        try bytes.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var next: UnsafePointer<CChar>? = UnsafePointer(base)
            let end = UnsafePointer(base) + (buffer.count - 1)
            while let start = next, start < end {
                var stmt: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(db.handle, start, -1, &stmt, &tail)
                next = tail
                guard rc == SQLITE_OK else { throw explain(db.error(rc), database: database, statement: start, tail) }
                guard let stmt else { break }  // only whitespace or comments left
                defer { sqlite3_finalize(stmt) }
                let result = try collect(stmt, db: db, database: database, statement: start, tail)
                if let result { results.append(result) }
            }
        }
        return results
    }

    /// Steps `stmt` to the end; returns its rows when it has result columns.
    private static func collect(_ stmt: OpaquePointer, db: SQLiteDatabase, database: String,
                                statement: UnsafePointer<CChar>, _ tail: UnsafePointer<CChar>?) throws -> ResultSet? {
        let columnCount = sqlite3_column_count(stmt)
        var result = ResultSet(columns: (0..<columnCount).map { String(cString: sqlite3_column_name(stmt, $0)) },
                               rows: [])
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw explain(db.error(rc), database: database, statement: statement, tail) }
            var row: [ResultSet.Value] = []
            row.reserveCapacity(Int(columnCount))
            for c in 0..<columnCount { row.append(value(stmt, c)) }
            result.rows.append(row)
        }
        return columnCount > 0 ? result : nil
    }

    private static func value(_ stmt: OpaquePointer, _ c: Int32) -> ResultSet.Value {
        switch sqlite3_column_type(stmt, c) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, c))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, c))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(stmt, c)))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, c))
            guard n > 0, let p = sqlite3_column_blob(stmt, c) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }

    /// Rewrites SQLite's errors into messages that say what happened to the user's database.
    private static func explain(_ error: StoreError, database: String, statement: UnsafePointer<CChar>? = nil,
                                _ tail: UnsafePointer<CChar>? = nil) -> StoreError {
        let code = (error.sqliteCode ?? 0) & 0xff
        var message: String
        switch code {
        case SQLITE_READONLY:
            message = "the database is opened read-only; query cannot change it (\(error.message))"
        case SQLITE_NOTADB:
            message = "not an SQLite database (\(error.message))"
        case SQLITE_CANTOPEN:
            message = "cannot open the database (\(error.message))"
        default:
            message = "SQL error: \(error.message)"
            if let statement {
                let text = statementText(statement, tail)
                if !text.isEmpty { message += " in: \(text)" }
            }
        }
        return StoreError(file: database, message: message, sqliteCode: error.sqliteCode)
    }

    /// The statement text between `start` and `tail`, trimmed and shortened to one line.
    private static func statementText(_ start: UnsafePointer<CChar>, _ tail: UnsafePointer<CChar>?) -> String {
        let count = tail.map { $0 - start } ?? strlen(start)
        let bytes = UnsafeRawBufferPointer(start: start, count: max(0, count)).map { $0 }
        var text = String(decoding: bytes, as: UTF8.self)
            .split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == " " }).joined(separator: " ")
        if text.count > 80 { text = String(text.prefix(77)) + "..." }
        return text
    }

    private static func readFile(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { bytes += chunk[0..<n] }
            if n < chunk.count { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
