/// What the call-stack views rank allocation sites and stacks by.
///
/// Each metric is a per-stack figure computed in SQL from `v_allocations` (or `faults`) by
/// `StackQuery`; the sites are then ranked by the metric's main column.
public enum StackMetric: String, CaseIterable, Sendable, Codable {
    /// Bytes requested by the successful allocations.
    case bytes
    /// Successful allocation calls (malloc, calloc, realloc's new block, …; not free).
    case calls
    /// Page faults whose event carried the stack (`faults.stack`).
    case faults
    /// Bytes live when a process's live payload bytes (`alloc_calls.live_bytes`) reached the run's highest.
    case peak
    /// Bytes never freed (live at the end of the run).
    case leaks
    /// Allocations freed before the same thread made any other allocation (heaptrack's definition).
    case temporary

    /// The column that ranks rows, and the columns the metric's query returns after the site.
    var columns: (rank: String, all: [String]) {
        switch self {
        case .bytes: return ("bytes", ["bytes", "calls"])
        case .calls: return ("calls", ["calls", "bytes"])
        case .faults: return ("faults", ["faults", "major_faults"])
        case .peak: return ("peak_bytes", ["peak_bytes", "peak_blocks"])
        case .leaks: return ("leaked_bytes", ["leaked_bytes", "leaked_blocks"])
        case .temporary: return ("temporary", ["temporary", "temporary_bytes"])
        }
    }

    /// The name of the ranking column, as the queries print it.
    public var rankColumn: String { columns.rank }

    /// The value columns of the metric's rows, ranking column first.
    public var valueColumns: [String] { columns.all }

    /// A short description for headings and help.
    public var title: String {
        switch self {
        case .bytes: return "bytes allocated"
        case .calls: return "allocation calls"
        case .faults: return "page faults"
        case .peak: return "bytes live at the peak"
        case .leaks: return "bytes leaked (never freed)"
        case .temporary: return "temporary allocations (freed before the thread's next allocation)"
        }
    }
}

/// Whether the stack views rank allocation sites (the function that called the allocator) or
/// whole stacks (one row per stack id).
public enum StackGrouping: String, CaseIterable, Sendable {
    case site
    case stack
}
