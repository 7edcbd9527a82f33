import CSQLite

/// A prepared SQLite statement, bound by position and reused for every row.
///
/// A thin value wrapper around `sqlite3_stmt*`: the binding and stepping methods are inlined so
/// that a bulk insert costs what the bare C API costs. The owner finalizes it.
struct SQLiteStatement {
    let handle: OpaquePointer

    /// `SQLITE_TRANSIENT`: SQLite copies the bound text before the call returns.
    @inline(__always) static var transient: sqlite3_destructor_type {
        unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    @inline(__always) func bind(_ index: Int32, _ value: UInt64) {
        sqlite3_bind_int64(handle, index, Int64(bitPattern: value))
    }

    @inline(__always) func bind(_ index: Int32, _ value: UInt32) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int32) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    @inline(__always) func bind(_ index: Int32, _ value: UInt8) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    func bind(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(handle, index, value)
    }

    func bind(_ index: Int32, _ value: String) {
        sqlite3_bind_text(handle, index, value, -1, SQLiteStatement.transient)
    }

    func bindNull(_ index: Int32) {
        sqlite3_bind_null(handle, index)
    }

    /// Runs an INSERT-like statement once and resets it; returns the result code of the step.
    @inline(__always) func execute() -> Int32 {
        let rc = sqlite3_step(handle)
        sqlite3_reset(handle)
        return rc
    }

    func finalize() {
        sqlite3_finalize(handle)
    }
}
