import CSQLite

/// An open SQLite connection with the few operations the store and the query runner need.
///
/// Errors are thrown as `StoreError` naming `displayPath` and carrying SQLite's message.
final class SQLiteDatabase {
    private(set) var handle: OpaquePointer?
    /// The file name used in error messages.
    let displayPath: String
    private let path: String
    private let flags: Int32

    /// Opens `path` with the `sqlite3_open_v2` flags given.
    init(path: String, flags: Int32, displayPath: String? = nil) throws {
        self.displayPath = displayPath ?? path
        self.path = path
        self.flags = flags
        handle = try SQLiteDatabase.open(path, flags, displayPath: self.displayPath)
    }

    private static func open(_ path: String, _ flags: Int32, displayPath: String) throws -> OpaquePointer? {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        if rc != SQLITE_OK {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open the database"
            sqlite3_close_v2(db)
            throw StoreError(file: displayPath, message: message, sqliteCode: rc)
        }
        sqlite3_extended_result_codes(db, 1)
        return db
    }

    deinit { close() }

    /// SQLite's message for the last error on this connection.
    var errorMessage: String {
        guard let handle else { return "the database is closed" }
        return String(cString: sqlite3_errmsg(handle))
    }

    /// A `StoreError` for result code `rc`, prefixed with `context` when given.
    func error(_ rc: Int32, _ context: String = "") -> StoreError {
        StoreError(file: displayPath, message: context.isEmpty ? errorMessage : "\(context): \(errorMessage)",
                   sqliteCode: rc)
    }

    /// Runs one or more statements that return no rows.
    func exec(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? errorMessage
            sqlite3_free(message)
            throw StoreError(file: displayPath, message: text, sqliteCode: rc)
        }
    }

    /// Prepares one statement for repeated use.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, "cannot prepare \(sql.prefix(60))") }
        return SQLiteStatement(handle: stmt)
    }

    /// Closes the connection now, throwing when a statement is still open (SQLite would otherwise
    /// keep the file open, its pages cached, until the statement is finalized).
    func closeChecked() throws {
        guard let handle else { return }
        let rc = sqlite3_close(handle)
        if rc != SQLITE_OK { throw error(rc, "cannot close the database") }
        self.handle = nil
    }

    /// Opens the file again with the flags it was first opened with (after `closeChecked`).
    func reopen() throws {
        close()
        handle = try SQLiteDatabase.open(path, flags, displayPath: displayPath)
    }

    /// Closes the connection (idempotent).
    func close() {
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }
}
