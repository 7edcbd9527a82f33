import CSQLite
import MemModel
import MemReplay
import MemStore
import MemTrace
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times `rows` access-event outcomes written through `SQLiteStore` against a bare C-API loop.
///
/// Both sides write the same rows (one `accesses` row per event, schema version 7) into a fresh
/// temporary file, with the same PRAGMAs, the same schema and the same prepared INSERT
/// (`StoreSchema`), in one transaction. Each timing runs from opening the database to having it
/// complete on disk (the store's `finish`, the bare loop's COMMIT and close).
/// The store is timed three times: with its writer thread (the replay's configuration), writing on
/// the caller's thread (`writerThread: false`), both with the `accesses` rows written as B-tree
/// pages (`TableTreeWriter`), and with its writer thread and the rows through SQL's multi-row
/// INSERTs (`directWrite: false`, the path before the direct writer).
public func storeBenchmark(rows: Int) -> (storeRowsPerSecond: Double, callerThreadRowsPerSecond: Double,
                                          sqlStoreRowsPerSecond: Double, bareRowsPerSecond: Double) {
    let dir = benchmarkDirectory()
    defer { rmdir(dir) }
    let rowsWritten = Double(rows)
    let storeSeconds = storeInsert(path: dir + "/store.db", rows: rows, writerThread: true, directWrite: true)
    let callerSeconds = storeInsert(path: dir + "/caller.db", rows: rows, writerThread: false, directWrite: true)
    let sqlSeconds = storeInsert(path: dir + "/sql.db", rows: rows, writerThread: true, directWrite: false)

    let barePath = dir + "/bare.db"
    let bareSeconds = measure { bareInsert(path: barePath, rows: rows) }
    unlink(barePath)

    return (rowsWritten / storeSeconds, rowsWritten / callerSeconds, rowsWritten / sqlSeconds, rowsWritten / bareSeconds)
}

/// Seconds to write the benchmark's rows through `SQLiteStore`, from opening to `finish`.
private func storeInsert(path storePath: String, rows: Int, writerThread: Bool, directWrite: Bool) -> Double {
    let storeSeconds = measure {
        do {
            let store = try SQLiteStore(path: storePath, writerThread: writerThread, directWrite: directWrite)
            try store.begin(RunInfo(toolVersion: "bench", tracePath: "", traceHash: "", configurationJSON: "{}",
                                    traceHeaderJSON: "{}", startedAt: 0))
            try store.declareCounters([])
            let pid = ProcessID(1000), tid = ThreadID(1000)
            for i in 0..<rows {
                let v = benchmarkValues(i)
                let outcome = Outcome(
                    seq: v.seq,
                    record: TraceRecord(time: v.time, pid: pid, tid: tid,
                                        event: .access(MemoryAccess(kind: AccessKind(rawValue: v.kind)!,
                                                                    address: VirtualAddress(v.address), size: 8))),
                    detail: .access(Translation(fault: v.fault == 0 ? .none : .anonNew,
                                                frame: PageFrameNumber(v.frame), vma: VMAID(v.vma)), hardware: .none))
                try store.record(outcome)
            }
            try store.finish(metrics: [], endedAt: 0)
        } catch {
            fatalError("store benchmark: \(error)")
        }
    }
    unlink(storePath)
    return storeSeconds
}

/// The values of the i-th benchmark event, computed the same way for both sides.
@inline(__always)
private func benchmarkValues(_ i: Int) -> (seq: UInt64, time: UInt64, kind: UInt8, address: UInt64, fault: UInt8,
                                           frame: UInt64, vma: UInt32) {
    let n = UInt64(i)
    let page = (n &* 2654435761) & 0xffff
    return (n + 1, n &* 10, UInt8(n & 1), 0x7f00_0000_0000 + (page << 12) + (n & 0xff) * 8,
            (n & 63) == 0 ? 2 : 0, 0x1000 + page, UInt32(1 + (page & 7)))
}

/// The same rows through the SQLite C API directly, one INSERT per row, without mutexes like the store.
private func bareInsert(path: String, rows: Int) {
    var db: OpaquePointer?
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
        fatalError("bare benchmark: cannot open \(path)")
    }
    func exec(_ sql: String) {
        if sqlite3_exec(db, sql, nil, nil, nil) != SQLITE_OK { fatalError("bare benchmark: \(String(cString: sqlite3_errmsg(db)))") }
    }
    func prepare(_ sql: String) -> OpaquePointer {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil) == SQLITE_OK, let stmt else {
            fatalError("bare benchmark: \(String(cString: sqlite3_errmsg(db)))")
        }
        return stmt
    }
    exec(StoreSchema.bulkLoadPragmas)
    exec("BEGIN")
    exec(StoreSchema.tables(hardware: false))
    let accesses = prepare(StoreSchema.insertAccess)
    for i in 0..<rows {
        let v = benchmarkValues(i)
        sqlite3_bind_int64(accesses, 1, Int64(v.seq))
        sqlite3_bind_int64(accesses, 2, 1000)
        sqlite3_bind_int64(accesses, 3, 1000)
        sqlite3_bind_int64(accesses, 4, Int64(bitPattern: v.time))
        sqlite3_bind_int64(accesses, 5, Int64(v.kind))
        sqlite3_bind_int64(accesses, 6, Int64(bitPattern: v.address))
        sqlite3_bind_int64(accesses, 7, 8)
        sqlite3_bind_int64(accesses, 8, Int64(v.fault))
        sqlite3_bind_int64(accesses, 9, Int64(bitPattern: v.frame))
        sqlite3_bind_int64(accesses, 10, Int64(v.vma))
        if sqlite3_step(accesses) != SQLITE_DONE { fatalError("bare benchmark: accesses") }
        sqlite3_reset(accesses)
    }
    sqlite3_finalize(accesses)
    exec("COMMIT")
    sqlite3_close_v2(db)
}

private func measure(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let elapsed = clock.measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

private func benchmarkDirectory() -> String {
    var template = Array("/tmp/memreplay-bench-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}
