/// The consistency a `TableTreeWriter` keeps between its leaf being filled and what it wrote.
extension TableTreeWriter {
    /// Every broken rule, as sentences; empty when the writer is consistent: the finished leaves'
    /// largest rowids increasing, the current leaf's cell pointers after its header and below its
    /// cells, each pointer at a cell whose payload length, rowid and record header parse, rowids
    /// increasing from the last finished leaf's, the last one `lastRowid`, every cell with the
    /// table's column count, the cells filling the page from `contentStart` to its end.
    func invariantViolations() -> [String] {
        var problems: [String] = []
        if zip(leafMaxRowids, leafMaxRowids.dropFirst()).contains(where: { $0 >= $1 }) {
            problems.append("the leaves' largest rowids do not increase")
        }
        if leafMaxRowids.count > rowCount { problems.append("\(leafMaxRowids.count) leaves for \(rowCount) rows") }
        if 8 + 2 * cellCount > contentStart || contentStart > pageSize {
            problems.append("\(cellCount) cell pointers overlap the content starting at \(contentStart)")
            return problems
        }
        var previous = leafMaxRowids.last
        var expectedStart = pageSize
        for i in 0..<cellCount {
            let offset = Int(page[8 + 2 * i]) << 8 | Int(page[9 + 2 * i])
            if offset < contentStart || offset >= pageSize {
                problems.append("cell \(i) at \(offset) is outside the content \(contentStart)..<\(pageSize)")
                continue
            }
            let (payload, a) = SQLiteRecord.readVarint(page + offset)
            let (rowid, b) = SQLiteRecord.readVarint(page + offset + a)
            let (header, _) = SQLiteRecord.readVarint(page + offset + a + b)
            let size = max(a + b + Int(payload), 4)
            if offset + size != expectedStart {
                problems.append("cell \(i) at \(offset) of \(size) bytes does not end where cell \(i - 1) starts (\(expectedStart))")
            }
            expectedStart = offset
            if let previous, Int64(bitPattern: rowid) <= previous {
                problems.append("cell \(i) has rowid \(Int64(bitPattern: rowid)), not above \(previous)")
            }
            previous = Int64(bitPattern: rowid)
            if Int(header) != SQLiteRecord.headerLength(columns: columns) {
                problems.append("cell \(i) has a record header of \(header) bytes, expected \(SQLiteRecord.headerLength(columns: columns))")
            }
        }
        if expectedStart != contentStart { problems.append("the cells start at \(expectedStart), the header says \(contentStart)") }
        if cellCount > 0, let previous, previous != lastRowid { problems.append("the last cell's rowid \(previous) is not lastRowid \(lastRowid)") }
        return problems
    }
}
