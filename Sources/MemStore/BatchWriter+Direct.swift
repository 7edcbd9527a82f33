/// The part of `BatchWriter` that hands the access rows to a `TableTreeWriter` instead of SQLite.
extension BatchWriter {
    /// The tables whose rows the direct writer takes (two shapes of row, one table: `accesses`).
    static let directTables: Set<StoreTable> = [.accesses, .hardwareAccesses]

    /// Appends the batch's access rows of both shapes to `tree`, merged into rowid (`seq`) order.
    func writeDirect(_ batch: RowBatch, _ tree: TableTreeWriter) throws {
        let plain = batch.tables[StoreTable.accesses.rawValue]
        let modelled = batch.tables[StoreTable.hardwareAccesses.rawValue]
        let wp = StoreTable.accesses.wordsPerRow, wm = StoreTable.hardwareAccesses.wordsPerRow
        if modelled.count > 0 && tree.columns < wm {
            throw db.error(0, "cannot insert into accesses: the table has no hardware columns")
        }
        try plain.words.withUnsafeBufferPointer { pw in
            try modelled.words.withUnsafeBufferPointer { mw in
                var i = 0, j = 0
                while i < plain.count || j < modelled.count {
                    if j == modelled.count || (i < plain.count && pw[i * wp] < mw[j * wm]) {
                        try tree.append(pw.baseAddress! + i * wp, count: wp)
                        i += 1
                    } else {
                        try tree.append(mw.baseAddress! + j * wm, count: wm)
                        j += 1
                    }
                }
            }
        }
    }
}
