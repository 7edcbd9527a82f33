/// The rows one SQL statement returned, with its column names, as the query runner collects them.
public struct ResultSet: Hashable, Sendable {
    /// One value of a result row, with SQLite's storage class.
    public enum Value: Hashable, Sendable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])

        /// True for integers and reals (right-aligned in tables, bare in JSON).
        public var isNumber: Bool {
            switch self { case .integer, .real: true; default: false }
        }
    }

    public var columns: [String]
    public var rows: [[Value]]

    public init(columns: [String], rows: [[Value]]) { self.columns = columns; self.rows = rows }
}
