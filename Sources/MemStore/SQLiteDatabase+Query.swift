import CSQLite

/// Reading a few values back from the connection (the store's checks of its own file).
extension SQLiteDatabase {
    /// Every row of `sql`, each column as text ("" for NULL).
    func rows(_ sql: String) throws -> [[String]] {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, "cannot prepare \(sql.prefix(60))") }
        defer { sqlite3_finalize(stmt) }
        var rows: [[String]] = []
        while true {
            let step = sqlite3_step(stmt)
            if step == SQLITE_DONE { return rows }
            guard step == SQLITE_ROW else { throw error(step, "cannot run \(sql.prefix(60))") }
            rows.append((0..<sqlite3_column_count(stmt)).map { c in
                sqlite3_column_text(stmt, c).map { String(cString: $0) } ?? ""
            })
        }
    }

    /// The first column of the first row of `sql` as text ("" when there is none).
    func text(_ sql: String) throws -> String { try rows(sql).first?.first ?? "" }
}
