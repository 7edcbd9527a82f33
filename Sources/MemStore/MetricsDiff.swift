import Foundation

/// Compares the metrics of two runs (`memreplay diff base head`) and applies regression thresholds.
///
/// Each side is a run database (its `metrics` table) or a JSON file `{"metrics": {"name": value}}`
/// as `exportJSON` writes it. Every metric of either side gets an entry; entries are ordered with
/// regressions first, then by name.
public struct MetricsDiff: Sendable {
    /// What happened to one metric.
    public enum Status: String, Sendable, CaseIterable {
        /// A threshold was passed, or a thresholded metric is missing from head.
        case regression
        case changed, unchanged
        /// Only in head.
        case added
        /// Only in base.
        case removed
    }

    /// One metric's comparison.
    public struct Entry: Hashable, Sendable {
        public var name: String
        public var base: Double?
        public var head: Double?
        /// head − base, nil unless both exist.
        public var change: Double? { base.flatMap { b in head.map { $0 - b } } }
        /// (head − base) / |base| as a fraction; nil when either is missing or base is 0.
        public var relativeChange: Double? {
            guard let base, let change, base != 0 else { return nil }
            return change / abs(base)
        }
        public var status: Status
        /// The thresholds this metric passed (or, when removed, the ones watching it).
        public var violated: [Threshold]
    }

    public let entries: [Entry]

    /// True when at least one entry is a regression (the command exits 1).
    public var hasRegression: Bool { entries.contains { $0.status == .regression } }

    /// Compares two metric sets under `thresholds`.
    public init(base: [String: Double], head: [String: Double], thresholds: [Threshold] = []) {
        var entries: [Entry] = []
        for name in Set(base.keys).union(head.keys) {
            let b = base[name], h = head[name]
            let watching = thresholds.filter { $0.matches(name) }
            var status: Status
            var violated: [Threshold] = []
            switch (b, h) {
            case let (b?, h?):
                violated = watching.filter { $0.isExceeded(base: b, head: h) }
                status = violated.isEmpty ? (b == h ? .unchanged : .changed) : .regression
            case (nil, _?):
                status = .added
            default:
                violated = watching
                status = watching.isEmpty ? .removed : .regression
            }
            entries.append(Entry(name: name, base: b, head: h, status: status, violated: violated))
        }
        self.entries = entries.sorted {
            ($0.status == .regression ? 0 : 1, $0.name) < ($1.status == .regression ? 0 : 1, $1.name)
        }
    }

    /// Loads both sides from files (run databases or JSON metric files) and compares them.
    public init(basePath: String, headPath: String, thresholds: [Threshold] = []) throws {
        self.init(base: try MetricsDiff.loadMetrics(path: basePath), head: try MetricsDiff.loadMetrics(path: headPath),
                  thresholds: thresholds)
    }

    /// The number of entries with each status.
    public func count(_ status: Status) -> Int { entries.filter { $0.status == status }.count }

    // MARK: Loading and exporting

    /// Reads name → value from a run database's `metrics` table or from a JSON metrics file.
    public static func loadMetrics(path: String) throws -> [String: Double] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError(file: path, message: "no such file (expected a run database or a JSON metrics file)")
        }
        let data = handle.readDataToEndOfFile()
        try? handle.close()
        if data.starts(with: Array("SQLite format 3\0".utf8)) { return try loadDatabase(path) }
        return try parseJSON(data, file: path)
    }

    private static func loadDatabase(_ path: String) throws -> [String: Double] {
        let tables = try QueryRunner.execute(database: path,
            sql: "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'metrics'")
        guard tables.first?.rows.first?.first == .integer(1) else {
            throw StoreError(file: path, message: "not a run database (it has no metrics table)")
        }
        let result = try QueryRunner.execute(database: path, sql: "SELECT name, value FROM metrics ORDER BY name")
        var metrics: [String: Double] = [:]
        for row in result.first?.rows ?? [] {
            guard case .text(let name) = row[0] else { continue }
            switch row[1] {
            case .integer(let v): metrics[name] = Double(v)
            case .real(let v): metrics[name] = v
            default: continue
            }
        }
        return metrics
    }

    /// Parses `{"metrics": {"name": number, …}}`.
    public static func parseJSON(_ data: Data, file: String) throws -> [String: Double] {
        struct MetricsFile: Decodable { var metrics: [String: Double] }
        let expected = "expected a run database or JSON like {\"metrics\": {\"name\": number, ...}}"
        do {
            return try JSONDecoder().decode(MetricsFile.self, from: data).metrics
        } catch DecodingError.keyNotFound {
            throw StoreError(file: file, message: "no \"metrics\" object; \(expected)")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw StoreError(file: file, message: "\(path.isEmpty ? "the top level" : "\"" + path + "\"") "
                + "has the wrong type; \(expected)")
        } catch {
            throw StoreError(file: file, message: "not valid JSON; \(expected)")
        }
    }

    /// The database's metrics as `{"metrics": {…}}` with sorted keys, one metric per line.
    public static func exportJSON(database: String) throws -> String {
        exportJSON(metrics: try loadDatabase(database))
    }

    /// `metrics` as `{"metrics": {…}}` with sorted keys, one metric per line.
    public static func exportJSON(metrics: [String: Double]) -> String {
        if metrics.isEmpty { return "{\n  \"metrics\": {}\n}" }
        let lines = metrics.keys.sorted().map {
            "    " + ResultFormatter.jsonString($0) + ": " + jsonNumber(metrics[$0]!)
        }
        return "{\n  \"metrics\": {\n" + lines.joined(separator: ",\n") + "\n  }\n}"
    }

    // MARK: Rendering

    /// The diff as markdown for a pull request (a verdict line, the changed metrics, the unchanged
    /// ones counted in a collapsed `<details>`) or as JSON (everything); with `grouped`, the same
    /// per phase or per process after it.
    public func render(_ format: DiffFormat, grouped: GroupedDiff? = nil) -> String {
        switch format {
        case .markdown: return markdown(grouped: grouped)
        case .json:
            guard let grouped else { return json() }
            return String(json().dropLast(2)) + ",\n  \"groups\": {\"by\": \"\(grouped.grouping.rawValue)\", \"diff\": "
                + grouped.diff.json().replacingOccurrences(of: "\n", with: "\n  ") + "}\n}"
        }
    }

    /// The one-line summary: `2 metrics: 1 regression, 1 changed, 0 unchanged, 0 added, 0 removed.`
    public var summary: String {
        let r = count(.regression)
        return "\(entries.count) metric\(entries.count == 1 ? "" : "s"): \(r) regression\(r == 1 ? "" : "s"), "
            + "\(count(.changed)) changed, \(count(.unchanged)) unchanged, \(count(.added)) added, "
            + "\(count(.removed)) removed."
    }

    func json() -> String {
        var lines: [String] = []
        for e in entries {
            let fields = [
                "\"name\": " + ResultFormatter.jsonString(e.name),
                "\"base\": " + (e.base.map(MetricsDiff.jsonNumber) ?? "null"),
                "\"head\": " + (e.head.map(MetricsDiff.jsonNumber) ?? "null"),
                "\"change\": " + (e.change.map(MetricsDiff.jsonNumber) ?? "null"),
                "\"change_percent\": " + (e.relativeChange.map { MetricsDiff.jsonNumber(($0 * 10000).rounded() / 100) } ?? "null"),
                "\"status\": \"\(e.status.rawValue)\"",
                "\"thresholds\": [" + e.violated.map { ResultFormatter.jsonString($0.amountText) }.joined(separator: ", ") + "]",
            ]
            lines.append("    {" + fields.joined(separator: ", ") + "}")
        }
        let counts = Status.allCases.map { "\"\($0.rawValue)\": \(count($0))" }.joined(separator: ", ")
        return "{\n  \"has_regression\": \(hasRegression),\n  \"summary\": {\(counts)},\n  \"metrics\": ["
            + (lines.isEmpty ? "]" : "\n" + lines.joined(separator: ",\n") + "\n  ]") + "\n}"
    }

    // MARK: Number formatting

    /// Integral values without a fraction (`120`), others in Swift's shortest exact form (`0.25`).
    public static func formatNumber(_ v: Double) -> String {
        if v.isFinite && v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    static func jsonNumber(_ v: Double) -> String { v.isFinite ? formatNumber(v) : "null" }

    static func signed(_ v: Double) -> String { v > 0 ? "+" + formatNumber(v) : formatNumber(v) }

    static func percent(_ fraction: Double) -> String {
        let hundredths = (fraction * 10000).rounded()
        let sign = hundredths > 0 ? "+" : hundredths < 0 ? "-" : ""
        let a = Int64(abs(hundredths))
        let frac = a % 100
        return sign + String(a / 100) + "." + (frac < 10 ? "0" : "") + String(frac) + "%"
    }
}
