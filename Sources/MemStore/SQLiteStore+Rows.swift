import MemModel
import MemReplay
import MemTrace

/// The part of `SQLiteStore` that keeps the rows of chosen event families only (`--rows`): the
/// events of a family left out write no row (every event is still counted and summarized:
/// `SQLiteStore+Summaries.swift`), and `kept_rows` names the families kept.
extension SQLiteStore {
    /// Lists the kept families in `kept_rows`.
    func fillKeptRows() throws {
        let stmt = try db.prepare("INSERT INTO kept_rows (family) VALUES (?1)")
        defer { stmt.finalize() }
        for (name, family) in RowFamilies.named where rows.contains(family) {
            stmt.bind(1, name)
            try check(stmt.execute(), "kept_rows")
        }
    }

    /// Inserts one `access_summary` row per group (after the writer thread is drained).
    func writeAccessSummary() throws {
        let stmt = try db.prepare(StoreSchema.insertAccessSummary)
        defer { stmt.finalize() }
        for (g, key) in accessSummary.keys.enumerated() {
            stmt.bind(1, Int64(key.pid)); stmt.bind(2, Int64(key.vma)); stmt.bind(3, Int64(bitPattern: key.phase))
            stmt.bind(4, Int64(accessSummary.phaseNames[key.phase] ?? 0))
            stmt.bind(5, Int64(key.kind)); stmt.bind(6, Int64(key.fault))
            for (i, value) in accessSummary.sums(ofGroup: g).enumerated() { stmt.bind(Int32(7 + i), value) }
            try check(stmt.execute(), "access_summary")
        }
    }
}
