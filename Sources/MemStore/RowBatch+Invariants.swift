/// The consistency a `RowBatch` keeps between its counts, words and texts.
extension RowBatch {
    /// Every broken rule, as sentences; empty when the batch is consistent: one `TableRows` per
    /// table, `wordsPerRow × count` words in each, text indexes within the table's texts (and each
    /// text referred to once, in order), presence flags 0 or 1, and `rowCount` the sum of the counts.
    func invariantViolations() -> [String] {
        var problems: [String] = []
        if tables.count != StoreTable.allCases.count {
            problems.append("batch has \(tables.count) tables, expected \(StoreTable.allCases.count)")
            return problems
        }
        var total = 0
        for table in StoreTable.allCases {
            let rows = tables[table.rawValue]
            total += rows.count
            if rows.wordsPerRow != table.wordsPerRow {
                problems.append("\(table.name): \(rows.wordsPerRow) words per row, expected \(table.wordsPerRow)")
            }
            if rows.words.count != rows.count * table.wordsPerRow {
                problems.append("\(table.name): \(rows.words.count) words for \(rows.count) rows of \(table.wordsPerRow)")
                continue
            }
            var word = 0, nextText = 0
            for _ in 0..<rows.count {
                for column in table.columns {
                    let v = rows.words[word]
                    switch column {
                    case .int: word += 1
                    case .text, .optionalText:
                        if column == .optionalText && v == -1 { word += 1; continue }
                        if v != Int64(nextText) || v >= Int64(rows.texts.count) {
                            problems.append("\(table.name): text index \(v) at word \(word), expected \(nextText) of \(rows.texts.count)")
                        }
                        nextText += 1; word += 1
                    case .optionalInt:
                        if v != 0 && v != 1 { problems.append("\(table.name): presence flag \(v) at word \(word)") }
                        if v == 0 && rows.words[word + 1] != 0 { problems.append("\(table.name): NULL with value at word \(word)") }
                        word += 2
                    }
                }
            }
            if nextText != rows.texts.count {
                problems.append("\(table.name): \(rows.texts.count) texts, \(nextText) referred to")
            }
        }
        if total != rowCount { problems.append("rowCount \(rowCount), tables hold \(total)") }
        return problems
    }
}
