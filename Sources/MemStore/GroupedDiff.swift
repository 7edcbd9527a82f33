import Foundation

/// How `memreplay diff --group` breaks the comparison down.
public enum DiffGrouping: String, CaseIterable, Sendable {
    /// Per phase marker: events, faults, major faults, pages populated and freed, malloc-family calls.
    case phase
    /// Per process: faults, major faults, peak and final RSS, VMAs created.
    case process
}

/// Per-phase or per-process figures of two runs, compared like the run metrics (`diff --group`).
///
/// The figures are computed from the run databases (a metrics JSON file has no phases or
/// processes). A phase is keyed by its name (`name#2` for its second marker of that name), a
/// process by its pid and image; the figure names are `group | figure`, so thresholds can watch
/// them too (`'alloc-loop | faults=+10%'`, or `'*=+10%'`).
public struct GroupedDiff: Sendable {
    public let grouping: DiffGrouping
    public let diff: MetricsDiff

    public init(grouping: DiffGrouping, basePath: String, headPath: String, thresholds: [Threshold] = []) throws {
        self.grouping = grouping
        diff = MetricsDiff(base: try GroupedDiff.figures(path: basePath, grouping: grouping),
                           head: try GroupedDiff.figures(path: headPath, grouping: grouping), thresholds: thresholds)
    }

    /// Separates a group from its figure in a name.
    public static let separator = " | "

    /// The figures of the run database at `path`, named `group | figure`.
    public static func figures(path: String, grouping: DiffGrouping) throws -> [String: Double] {
        let head = FileHandle(forReadingAtPath: path).map { h in defer { try? h.close() }; return h.readData(ofLength: 16) }
        guard let head else { throw StoreError(file: path, message: "no such file (expected a run database)") }
        guard head.starts(with: Array("SQLite format 3\0".utf8)) else {
            throw StoreError(file: path, message: "--group \(grouping.rawValue) needs run databases (a metrics JSON file has no phases or processes)")
        }
        let sql: String
        switch grouping {
        case .phase:
            sql = """
                SELECT p.name, p.end_seq - p.start_seq,
                    (SELECT count(*) FROM faults f WHERE f.seq >= p.start_seq AND f.seq < p.end_seq),
                    (SELECT count(*) FROM faults f JOIN fault_kinds k ON k.id = f.kind
                     WHERE k.is_major AND f.seq >= p.start_seq AND f.seq < p.end_seq),
                    (SELECT coalesce(sum(pages_populated), 0) FROM memory_calls m WHERE m.seq >= p.start_seq AND m.seq < p.end_seq),
                    (SELECT coalesce(sum(pages_freed), 0) FROM memory_calls m WHERE m.seq >= p.start_seq AND m.seq < p.end_seq),
                    (SELECT count(*) FROM alloc_calls a WHERE a.seq >= p.start_seq AND a.seq < p.end_seq)
                FROM v_phases p ORDER BY p.start_seq
                """
        case .process:
            sql = """
                SELECT p.pid || ' ' || replace(p.image, rtrim(p.image, replace(p.image, '/', '')), ''),
                    (SELECT count(*) FROM faults f WHERE f.pid = p.pid),
                    (SELECT count(*) FROM faults f JOIN fault_kinds k ON k.id = f.kind WHERE f.pid = p.pid AND k.is_major),
                    (SELECT coalesce(max(rss_anon + rss_file + rss_shmem), 0) * 4 FROM process_samples s WHERE s.pid = p.pid),
                    (SELECT coalesce((SELECT (rss_anon + rss_file + rss_shmem) * 4 FROM process_samples s
                                      WHERE s.pid = p.pid ORDER BY seq DESC LIMIT 1), 0)),
                    (SELECT count(*) FROM vmas v WHERE v.pid = p.pid)
                FROM processes p ORDER BY p.pid
                """
        }
        let names = grouping == .phase
            ? ["events", "faults", "major_faults", "pages_populated", "pages_freed", "alloc_calls"]
            : ["faults", "major_faults", "peak_rss_kb", "final_rss_kb", "vmas"]
        var out: [String: Double] = [:]
        var seen: [String: Int] = [:]
        for row in try QueryRunner.execute(database: path, sql: sql).first?.rows ?? [] {
            guard case .text(let raw) = row[0] else { continue }
            seen[raw, default: 0] += 1
            let group = seen[raw]! > 1 ? "\(raw)#\(seen[raw]!)" : raw
            for (i, name) in names.enumerated() {
                switch row[i + 1] {
                case .integer(let v): out[group + separator + name] = Double(v)
                case .real(let v): out[group + separator + name] = v
                default: continue
                }
            }
        }
        return out
    }

    /// `### By phase` and a table of the figures that changed, the rest counted.
    func markdown() -> String {
        let title = grouping == .phase ? "phase" : "process"
        var lines = ["### By \(title)", ""]
        let moved = diff.entries.filter { $0.status != .unchanged }
        let same = diff.entries.count - moved.count
        if moved.isEmpty {
            lines.append(diff.entries.isEmpty ? "No \(title)s in either run." : "All \(diff.entries.count) figures of every \(title) unchanged.")
            return lines.joined(separator: "\n")
        }
        lines += ["| \(title) | figure | base | head | change | change % | status |", "|---|---|---:|---:|---:|---:|---|"]
        for e in moved {
            let parts = e.name.components(separatedBy: GroupedDiff.separator)
            let group = parts.dropLast().joined(separator: GroupedDiff.separator)
            lines.append("| \(group) | \(parts.last ?? "") | " + diff.cells(e).joined(separator: " | ") + " |")
        }
        if same > 0 { lines += ["", "\(same) unchanged figure\(same == 1 ? "" : "s") not shown."] }
        return lines.joined(separator: "\n")
    }
}
