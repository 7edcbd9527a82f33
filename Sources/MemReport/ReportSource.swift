import Foundation
import MemStore

/// Read-only SQL access to one run database for the report, with typed helpers for its rows.
///
/// Every query goes through `QueryRunner` (read-only, `query_only`), so a report can never change
/// the database it reads. Tables and columns that other parts of the model add later (swap, memcg,
/// PSI counters, new outcome tables) are looked up first and skipped when absent.
struct ReportSource {
    let path: String
    /// The tables and views of the database.
    let tables: Set<String>
    /// Counter names in the database's declared order.
    let counters: [String]
    /// Rows the queries returned so far (for the progress line).
    let tally = Tally()

    /// A count shared by copies of the source.
    final class Tally { var rows = 0 }

    init(path: String) throws {
        self.path = path
        let names = try QueryRunner.execute(database: path, sql: "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')")
        tables = Set(names.first?.rows.compactMap { $0.first?.text } ?? [])
        guard tables.contains("runs"), tables.contains("metrics"), tables.contains("events") else {
            throw StoreError(file: path, message: "not a run database (expected the tables runs, events and metrics)")
        }
        counters = tables.contains("counter_names")
            ? try QueryRunner.execute(database: path, sql: "SELECT name FROM counter_names ORDER BY id").first?.rows
                .compactMap { $0.first?.text } ?? []
            : []
    }

    /// The rows of one statement.
    func rows(_ sql: String) throws -> [[ResultSet.Value]] {
        let rows = try QueryRunner.execute(database: path, sql: sql).first?.rows ?? []
        tally.rows += rows.count
        return rows
    }

    /// The first column of the first row as an integer (0 when there is none).
    func integer(_ sql: String) throws -> Int64 {
        try rows(sql).first?.first?.integer ?? 0
    }

    func has(_ table: String) -> Bool { tables.contains(table) }
}

extension ResultSet.Value {
    /// The value as an integer: integers as they are, reals rounded, anything else nil.
    var integer: Int64? {
        switch self {
        case .integer(let v): return v
        case .real(let v): return v.isFinite ? Int64(v.rounded()) : nil
        default: return nil
        }
    }

    /// The value as a double: numbers as they are, anything else nil.
    var double: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        default: return nil
        }
    }

    /// The value as text: text as it is, numbers printed, NULL nil.
    var text: String? {
        switch self {
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        default: return nil
        }
    }
}

/// SQL text quoting for names put into a query.
func sqlQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
