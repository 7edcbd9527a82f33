/// The markdown form of a metric diff, written to be pasted into a pull request.
extension MetricsDiff {
    /// One line saying whether the head run passes: `**FAIL** — 1 of 364 metrics passed a threshold; …`.
    public var verdict: String {
        let n = entries.count
        let of = "\(n) metric\(n == 1 ? "" : "s")"
        let r = count(.regression)
        let rest = "\(count(.changed)) changed, \(count(.added)) added, \(count(.removed)) removed, \(count(.unchanged)) unchanged"
        if r > 0 {
            let names = entries.filter { $0.status == .regression }.prefix(3).map { "`\($0.name)`" }.joined(separator: ", ")
            return "**FAIL** — \(r) of \(of) passed a threshold (\(names)\(r > 3 ? ", …" : "")); \(rest)."
        }
        if count(.unchanged) == n { return "**OK** — all \(of) unchanged." }
        return "**OK** — no threshold passed; \(rest) of \(of)."
    }

    /// Verdict, table of the metrics that changed or passed a threshold (those first), the unchanged
    /// ones in a collapsed `<details>`, then the grouped breakdown.
    func markdown(grouped: GroupedDiff?) -> String {
        var lines = [verdict, ""]
        let moved = entries.filter { $0.status != .unchanged }
        if !moved.isEmpty {
            lines += ["| metric | base | head | change | change % | status |", "|---|---:|---:|---:|---:|---|"]
            lines += moved.map(row)
        }
        let same = entries.filter { $0.status == .unchanged }
        if !same.isEmpty {
            if !moved.isEmpty { lines.append("") }
            lines += ["<details><summary>\(same.count) unchanged metric\(same.count == 1 ? "" : "s")</summary>", "",
                      "| metric | value |", "|---|---:|"]
            lines += same.map { "| \($0.name) | \($0.base.map(MetricsDiff.formatNumber) ?? "—") |" }
            lines += ["", "</details>"]
        }
        if let grouped { lines += ["", grouped.markdown()] }
        return lines.joined(separator: "\n") + "\n"
    }

    func row(_ e: Entry) -> String {
        "| \(e.name) | \(cells(e).joined(separator: " | ")) |"
    }

    /// base, head, change, change %, status of one entry.
    func cells(_ e: Entry) -> [String] {
        let status = e.status == .regression
            ? "**REGRESSION** (" + e.violated.map(\.amountText).joined(separator: ", ") + ")"
            : e.status.rawValue
        return [e.base.map(MetricsDiff.formatNumber) ?? "—", e.head.map(MetricsDiff.formatNumber) ?? "—",
                e.change.map(MetricsDiff.signed) ?? "—", e.relativeChange.map(MetricsDiff.percent) ?? "n/a", status]
    }
}
