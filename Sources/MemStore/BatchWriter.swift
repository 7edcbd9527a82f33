import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `RowBatch`es into the run database: per table, rows `rowsPerStatement` at a time through
/// one prepared multi-row INSERT, the rest through the one-row INSERT, in the batch's order.
///
/// A multi-row INSERT runs SQLite's per-statement work (opening the table's cursor, the seek for
/// the first row, halting, resetting) once per `rowsPerStatement` rows instead of once per row;
/// the rows and their order are those of the one-row loop. Used from one thread at a time: the
/// replay's own (`SQLiteStore(writerThread: false)`) or the writer thread `start` creates.
final class BatchWriter: @unchecked Sendable {
    /// Rows per multi-row INSERT.
    static let rowsPerStatement = 32

    let db: SQLiteDatabase
    /// Indexed by `StoreTable.rawValue`; nil for `hardwareAccesses` in a store without hardware columns.
    private var single: [SQLiteStatement?] = []
    private var multi: [SQLiteStatement?] = []
    private let wordsPerRow: [Int]
    private let allIntegers: [Bool]
    private let columns: [[StoreTable.Column]]
    /// Writes the access rows (both shapes) as B-tree pages instead of SQL, when set (`SQLiteStore+DirectWrite.swift`).
    var direct: TableTreeWriter?
    private var thread: pthread_t?
    private(set) var queue: BatchQueue?

    /// Prepares each table's statements (the tables exist, inside the open transaction); without
    /// `hardware` the access rows have no hardware columns and `hardwareAccesses` has no statement.
    init(db: SQLiteDatabase, hardware: Bool) throws {
        self.db = db
        wordsPerRow = StoreTable.allCases.map(\.wordsPerRow)
        allIntegers = StoreTable.allCases.map(\.allIntegers)
        columns = StoreTable.allCases.map(\.columns)
        do {
            for table in StoreTable.allCases {
                if table == .hardwareAccesses && !hardware {
                    single.append(nil); multi.append(nil)
                    continue
                }
                single.append(try db.prepare(table.insert))
                multi.append(try db.prepare(BatchWriter.multiRowInsert(table.insert, columns: table.columns.count,
                                                                       rows: BatchWriter.rowsPerStatement)))
            }
        } catch {
            finalize()
            throw error
        }
    }

    /// `insert` (one row, parameters `?1…?columns`) with `rows` rows of parameters numbered on.
    static func multiRowInsert(_ insert: String, columns: Int, rows: Int) -> String {
        guard let values = insert.firstRange(of: "VALUES") else { return insert }
        var sql = String(insert[..<values.upperBound]) + " "
        for r in 0..<rows {
            sql += r == 0 ? "(" : ", ("
            for c in 0..<columns { sql += (c == 0 ? "?" : ", ?") + String(r * columns + c + 1) }
            sql += ")"
        }
        return sql
    }

    /// Inserts every row of `batch`, table by table.
    func write(_ batch: RowBatch) throws {
        if let direct { try writeDirect(batch, direct) }
        for table in StoreTable.allCases {
            if direct != nil && BatchWriter.directTables.contains(table) { continue }
            let rows = batch.tables[table.rawValue]
            guard rows.count > 0 else { continue }
            try write(rows, table)
        }
    }

    private func write(_ rows: TableRows, _ table: StoreTable) throws {
        let t = table.rawValue
        let width = wordsPerRow[t]
        let k = BatchWriter.rowsPerStatement
        guard let one = single[t], let many = multi[t] else {
            throw db.error(SQLITE_ERROR, "cannot insert into \(table.name): the table has no hardware columns")
        }
        var row = 0
        try rows.words.withUnsafeBufferPointer { words in
            while rows.count - row >= k {
                let s = many
                if allIntegers[t] {
                    let base = row * width
                    for i in 0..<(k * width) { sqlite3_bind_int64(s.handle, Int32(i + 1), words[base + i]) }
                } else {
                    for r in 0..<k { bind(s, firstParameter: Int32(r * columns[t].count + 1), row: row + r, of: rows, words, t) }
                }
                try check(s.execute(), table)
                row += k
            }
            while row < rows.count {
                let s = one
                if allIntegers[t] {
                    let base = row * width
                    for i in 0..<width { sqlite3_bind_int64(s.handle, Int32(i + 1), words[base + i]) }
                } else {
                    bind(s, firstParameter: 1, row: row, of: rows, words, t)
                }
                try check(s.execute(), table)
                row += 1
            }
        }
    }

    /// Binds row `row` of a table with texts or NULLs from parameter `firstParameter` on.
    private func bind(_ s: SQLiteStatement, firstParameter: Int32, row: Int, of rows: TableRows,
                      _ words: UnsafeBufferPointer<Int64>, _ t: Int) {
        var word = row * wordsPerRow[t]
        var p = firstParameter
        for column in columns[t] {
            let v = words[word]
            switch column {
            case .int: s.bind(p, v); word += 1
            case .text: s.bind(p, rows.texts[Int(v)]); word += 1
            case .optionalText:
                if v < 0 { s.bindNull(p) } else { s.bind(p, rows.texts[Int(v)]) }
                word += 1
            case .optionalInt:
                if v == 0 { s.bindNull(p) } else { s.bind(p, words[word + 1]) }
                word += 2
            }
            p += 1
        }
    }

    @inline(__always) private func check(_ rc: Int32, _ table: StoreTable) throws {
        if rc != SQLITE_DONE { throw db.error(rc, "cannot insert into \(table.name)") }
    }

    // MARK: The writer thread

    /// Starts the writer thread, fed by a queue of at most `capacity` batches; nil when no
    /// thread could be created (the caller then writes on its own thread).
    func start(capacity: Int) -> BatchQueue? {
        if let queue { return queue }
        let q = BatchQueue(capacity: capacity)
        queue = q
        let context = Unmanaged.passRetained(self).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { arg in
            let writer = Unmanaged<BatchWriter>.fromOpaque(arg!).takeRetainedValue()
            writer.drain()
            return nil
        }, context)
        if rc == 0 {
            thread = t
        } else {
            // No thread: release the context and write on the caller's thread instead.
            Unmanaged<BatchWriter>.fromOpaque(context).release()
            queue = nil
        }
        return queue
    }

    /// The thread's loop: writes each batch in order until the queue closes; after an error it
    /// writes nothing more but keeps taking batches, so the replay never blocks on a dead writer.
    private func drain() {
        guard let queue else { return }
        while var batch = queue.pop() {
            if queue.error == nil {
                do { try write(batch) } catch { queue.fail(error) }
            }
            batch.removeAll()
            queue.giveBack(batch)
        }
    }

    /// Closes the queue (dropping what waits when `discarding`) and waits for the thread to end;
    /// returns the writer's error, if it had one.
    @discardableResult
    func stop(discarding: Bool = false) -> (any Error)? {
        guard let queue, let thread else { return nil }
        queue.close(discarding: discarding)
        pthread_join(thread, nil)
        self.thread = nil
        self.queue = nil
        return queue.error
    }

    /// Finalizes the statements (after `stop`).
    func finalize() {
        for s in single { s?.finalize() }
        for s in multi { s?.finalize() }
        single.removeAll()
        multi.removeAll()
    }
}
