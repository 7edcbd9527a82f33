/// The aggregated access outcomes of a run that keeps no per-access rows (`--rows` without
/// `access`): the `access_summary` table (`AccessSummary`'s groups) and the `v_access_summary` view.
extension StoreSchema {
    /// `kept_rows`: the families whose per-event rows a `--rows` run kept, one name per row
    /// (created only when `--rows` leaves a family out; no table means every family).
    public static let keptRowsTable = "CREATE TABLE kept_rows (family TEXT PRIMARY KEY) WITHOUT ROWID;"

    /// The key columns of `access_summary`, before `AccessSummary.sumColumns`.
    static let accessSummaryKeyColumns = ["pid", "vma", "phase", "phase_name", "kind", "fault"]

    /// Creates `access_summary`: one row per (pid, VMA, phase, access kind, fault kind).
    public static let accessSummaryTable: String = {
        let columns = (accessSummaryKeyColumns + AccessSummary.sumColumns).map { "\($0) INTEGER NOT NULL" }
        return "CREATE TABLE access_summary (\(columns.joined(separator: ", ")),\n"
            + "    PRIMARY KEY (pid, vma, phase, kind, fault)) WITHOUT ROWID;"
    }()

    /// The one-row INSERT of `access_summary`, its parameters numbered in column order.
    static let insertAccessSummary: String = {
        let columns = accessSummaryKeyColumns + AccessSummary.sumColumns
        let params = (1...columns.count).map { "?\($0)" }
        return "INSERT INTO access_summary (\(columns.joined(separator: ", "))) VALUES (\(params.joined(separator: ", ")))"
    }()

    /// `v_access_summary`: the summary with names — the VMA's name, the phase's name (from the
    /// marker's string, so it names the phase even when control rows are left out), the access
    /// kind's and fault kind's names, and every sum.
    public static let accessSummaryView: String = {
        let sums = AccessSummary.sumColumns.map { "s.\($0)" }.joined(separator: ", ")
        return """
            CREATE VIEW v_access_summary AS
                SELECT s.pid, s.vma, v.name AS vma_name, s.phase AS phase_seq, p.text AS phase,
                    k.name AS kind, f.name AS fault, \(sums)
                FROM access_summary s LEFT JOIN vmas v ON v.id = s.vma LEFT JOIN strings p ON p.id = s.phase_name
                JOIN access_kinds k ON k.id = s.kind JOIN fault_kinds f ON f.id = s.fault;
            """
    }()
}
