import MemModel
import MemReplay
import MemTrace

/// The part of `SQLiteStore` that keeps the rows of chosen event families only (`--rows`): the
/// events of a family left out are counted, and accesses aggregated into `access_summary`.
extension SQLiteStore {
    /// Whether `outcome`'s event keeps its rows; when it does not, counts it and folds an access
    /// into the summary. A phase marker starts a summary phase whether or not control rows are kept.
    @inline(__always)
    func keepsRows(_ outcome: Outcome) -> Bool {
        let rec = outcome.record
        if !rows.contains(.access), case .control(let c) = rec.event, c.op == .phase {
            accessSummary.startPhase(seq: outcome.seq, name: c.name)
        }
        if rows.contains(RowFamilies.of(rec.event.kind)) { return true }
        eventCount &+= 1
        if case .access(let a) = rec.event {
            if case .access(let t, let hardware) = outcome.detail {
                accessSummary.add(pid: rec.pid, a, t, hardware)
            } else {
                accessSummary.add(pid: rec.pid, a, Translation(fault: .none, frame: PageFrameNumber(0), vma: .none), .none)
            }
        }
        return false
    }

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
