import MemStore

/// The top allocation sites (or whole stacks) of a run by one metric, each with its largest call
/// stack symbolized: what `memreplay stacks` prints, like heaptrack_print's sections.
public struct StackView: Codable, Sendable, Equatable {
    /// The database read.
    public var database: String
    /// What the rows are ranked by.
    public var metric: StackMetric
    /// Sites or whole stacks.
    public var grouping: String
    /// The names of `Row.values`, ranking column first.
    public var valueColumns: [String]
    /// The run's total of the ranking column (all sites, not only the ones shown).
    public var total: Int64
    /// How many sites (or stacks) have a non-zero value.
    public var count: Int64
    /// The rows, largest first.
    public var rows: [Row]
    /// The recorder's own site (`[memreplay recorder]`) when left out (`includeRecorder` false):
    /// its ranking-column figure, 0 when it has none or was kept.
    public var recorderLeftOut: Int64 = 0

    /// One site or stack.
    public struct Row: Codable, Sendable, Equatable {
        /// The site: the innermost function outside the allocator (`[no stack]` for calls recorded
        /// without one).
        public var site: String
        public var file: String?
        public var line: Int64
        /// The path of the object holding the site.
        public var object: String?
        /// The metric's figures, in `valueColumns` order.
        public var values: [Int64]
        /// The ranking column's share of the run's total, percent.
        public var percent: Double
        /// The stack shown: a site's largest stack, or the row's own stack.
        public var stack: Int64
        /// How many stacks the site gathers (1 for a stack row).
        public var stacks: Int64
        /// The frames of `stack` from the site outward, at most the depth asked for.
        public var frames: [Frame]
    }

    /// One symbolized frame.
    public struct Frame: Codable, Sendable, Equatable {
        public var function: String
        public var file: String?
        public var line: Int64
        public var object: String?
    }

    /// Reads the view from the run database at `path`.
    /// - Parameters:
    ///   - top: rows kept (the largest); `depth`: frames shown per row.
    ///   - includeRecorder: keep the recorder's own stacks (`StackQuery.recorderSite`) among the
    ///     rows; left out, their figure is `recorderLeftOut`.
    /// - Throws: `StoreError` naming the file: not a database, not a run database, a schema older
    ///   than version 9 (no or older stack tables), or a run recorded without stacks.
    public static func load(database path: String, metric: StackMetric, grouping: StackGrouping = .site,
                            top: Int = 10, depth: Int = 8, includeRecorder: Bool = false) throws -> StackView {
        try requireStacks(path)
        let results = try QueryRunner.execute(database: path, sql: StackQuery.sql(metric, grouping: grouping, limit: nil))
        guard let result = results.last else { throw StoreError(file: path, message: "the stack query returned nothing") }
        let index = Dictionary(uniqueKeysWithValues: result.columns.enumerated().map { ($1, $0) })
        func value(_ row: [ResultSet.Value], _ name: String) -> ResultSet.Value { index[name].map { row[$0] } ?? .null }
        var view = StackView(database: path, metric: metric, grouping: grouping.rawValue, valueColumns: metric.valueColumns,
                             total: 0, count: Int64(result.rows.count), rows: [])
        var shown: [[ResultSet.Value]] = []
        for row in result.rows {
            let figure = value(row, metric.rankColumn).integer ?? 0
            view.total += figure
            if !includeRecorder && value(row, "site").text == StackQuery.recorderSite {
                view.recorderLeftOut += figure
                view.count -= 1
            } else {
                shown.append(row)
            }
        }
        for row in shown.prefix(max(0, top)) {
            let stack = value(row, grouping == .site ? "top_stack" : "stack").integer ?? 0
            // The recorder's stacks are shown from the leaf: its own functions are the point.
            let fromLeaf = value(row, "site").text == StackQuery.recorderSite
            view.rows.append(Row(
                site: value(row, "site").text ?? "", file: value(row, "file").text, line: value(row, "line").integer ?? 0,
                object: value(row, "object").text, values: metric.valueColumns.map { value(row, $0).integer ?? 0 },
                percent: value(row, "percent").double ?? 0, stack: stack,
                stacks: grouping == .site ? value(row, "stacks").integer ?? 0 : 1,
                frames: try frames(path, stack: stack, depth: depth, fromLeaf: fromLeaf)))
        }
        return view
    }

    /// The frames of `stack` from its site (or its leaf) outward, at most `depth` of them.
    static func frames(_ path: String, stack: Int64, depth: Int, fromLeaf: Bool = false) throws -> [Frame] {
        guard stack != 0, depth > 0 else { return [] }
        let start = fromLeaf ? "0" : """
            coalesce((SELECT min(f.position) FROM v_stack_frames f
                      WHERE f.stack = \(stack) AND NOT \(StackQuery.allocatorFrame)), 0)
            """
        let sql = """
            SELECT function, file, line, object_path FROM v_stack_frames
            WHERE stack = \(stack) AND position >= \(start)
            ORDER BY position LIMIT \(depth)
            """
        return try (QueryRunner.execute(database: path, sql: sql).first?.rows ?? []).map {
            Frame(function: $0[0].text ?? "", file: $0[1].text, line: $0[2].integer ?? 0, object: $0[3].text)
        }
    }

    /// Throws unless `path` is a run database of schema 8 or later whose run has call stacks.
    public static func requireStacks(_ path: String) throws {
        let names = Set(try QueryRunner.execute(database: path, sql: "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')")
            .first?.rows.compactMap { $0.first?.text } ?? [])
        guard names.contains("runs") else {
            throw StoreError(file: path, message: "not a run database (it has no runs table; write one with memreplay replay)")
        }
        guard ["stacks", "frames", "functions", "v_stack_frames", "v_allocations"].allSatisfy(names.contains) else {
            let version = try QueryRunner.execute(database: path, sql: "PRAGMA user_version").first?.rows.first?.first?.integer ?? 0
            throw StoreError(file: path, message: "schema version \(version) has no call-stack tables (schema 8 added them): "
                + "replay the trace again with this memreplay")
        }
        guard ["stack_chain", "recorder_stacks"].allSatisfy(names.contains) else {
            let version = try QueryRunner.execute(database: path, sql: "PRAGMA user_version").first?.rows.first?.first?.integer ?? 0
            throw StoreError(file: path, message: "schema version \(version) has no stack_chain and recorder_stacks tables "
                + "(schema 9 added them): replay the trace again with this memreplay")
        }
        let stacks = try QueryRunner.execute(database: path, sql: "SELECT count(*) FROM (SELECT 1 FROM stacks LIMIT 1)")
            .first?.rows.first?.first?.integer ?? 0
        guard stacks > 0 else {
            throw StoreError(file: path, message: "the run has no call stacks: record the program with "
                + "`memreplay record --stacks dwarf` (synthesized traces have none) and replay it")
        }
    }
}
