/// The output formats of `memreplay query`.
public enum ResultFormat: String, CaseIterable, Sendable {
    /// Aligned columns with a header and a separator line; numbers right-aligned.
    case table
    /// RFC 4180 CSV: a header record, then one record per row.
    case csv
    /// JSON: an array of objects, one per row (an array of such arrays for several statements).
    case json
}
