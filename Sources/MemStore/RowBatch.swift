import MemTrace

/// Rows on their way from the replay to the SQLite writer: per table, integer words row after row
/// and the texts they refer to.
///
/// Per-table order is the order the rows were appended, which is the order they are inserted;
/// nothing else about the order between tables matters to the database (every fact table is keyed
/// by the event's sequence number, `faults` and the sample tables number their rows in their own
/// insertion order, and the upserts of one table replace in that table's order).
struct RowBatch: Sendable {
    /// Indexed by `StoreTable.rawValue`.
    var tables: [TableRows]
    /// Rows in all tables.
    var rowCount = 0

    init() {
        tables = StoreTable.allCases.map { TableRows(wordsPerRow: $0.wordsPerRow) }
    }

    /// Empties every table, keeping the arrays' storage for the next batch.
    mutating func removeAll() {
        for i in tables.indices { tables[i].removeAll() }
        rowCount = 0
    }
}

/// One table's rows in a `RowBatch`.
struct TableRows: Sendable {
    /// `wordsPerRow` words per row (`StoreTable.Column`: an integer, a text index, or a presence
    /// flag and a value for a nullable integer).
    var words: [Int64] = []
    var texts: [String] = []
    var count = 0
    let wordsPerRow: Int

    init(wordsPerRow: Int) { self.wordsPerRow = wordsPerRow }

    /// An integer column; unsigned values keep their bit pattern, as `sqlite3_bind_int64` stored them.
    @inline(__always) mutating func put<I: FixedWidthInteger>(_ value: I) {
        words.append(Int64(truncatingIfNeeded: value))
    }

    /// The columns every event's row starts with: `seq`, `pid`, `tid`, `time`.
    @inline(__always) mutating func putEvent(_ seq: Int64, _ rec: TraceRecord) {
        words.append(seq); words.append(Int64(truncatingIfNeeded: rec.pid.rawValue))
        words.append(Int64(truncatingIfNeeded: rec.tid.rawValue)); words.append(Int64(truncatingIfNeeded: rec.time))
    }

    /// A text column.
    mutating func put(text: String) {
        words.append(Int64(texts.count))
        texts.append(text)
    }

    /// A nullable integer column.
    mutating func put<I: FixedWidthInteger>(optional value: I?) {
        if let value { words.append(1); words.append(Int64(truncatingIfNeeded: value)) } else { words.append(0); words.append(0) }
    }

    /// A nullable text column.
    mutating func put(optionalText text: String?) {
        if let text { put(text: text) } else { words.append(-1) }
    }

    mutating func removeAll() {
        words.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true)
        count = 0
    }
}
