/// The output formats of `memreplay diff`.
public enum DiffFormat: String, CaseIterable, Sendable {
    /// A markdown table (regressions first) and a one-line summary.
    case markdown
    /// An object with `has_regression`, `summary` counts and a `metrics` array.
    case json
}
