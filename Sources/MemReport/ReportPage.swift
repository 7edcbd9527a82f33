import Foundation
import MemStore

/// Builds the self-contained HTML report of a run (`memreplay report`): the data as inline JSON,
/// the style and the charting code inlined, no external resource of any kind.
///
/// A Content-Security-Policy of `default-src 'none'` makes the promise checkable: a browser would
/// refuse any network load the page attempted.
public enum ReportPage {
    /// The report of the run database at `database`, with `base` overlaid and diffed when given.
    public static func build(database: String, base: String? = nil, collector: ReportCollector = ReportCollector()) throws -> String {
        let steps = ReportProgress.readingSteps * (base == nil ? 1 : 2) + 1
        guard let base else {
            let head = try collector.collect(database: database, bucketWidth: nil, firstStep: 1, steps: steps, rowsBefore: 0)
            return try rendering(head: head.data, base: nil, steps: steps, rows: head.rows, collector: collector)
        }
        // Both runs share the event axis and one bucket width (from the longer run), so their lines
        // overlay bucket for bucket.
        let longest = max(try collector.lastSeq(database: database), try collector.lastSeq(database: base))
        let width = collector.bucketWidth(lastSeq: longest)
        let head = try collector.collect(database: database, bucketWidth: width, firstStep: 1, steps: steps, rowsBefore: 0)
        let baseData = try collector.collect(database: base, bucketWidth: width, firstStep: ReportProgress.readingSteps + 1,
                                             steps: steps, rowsBefore: head.rows)
        let diff = MetricsDiff(base: baseData.data.metrics, head: head.data.metrics)
        return try rendering(head: head.data, base: baseData.data, diff: diff, steps: steps, rows: head.rows + baseData.rows,
                             collector: collector)
    }

    /// `render`, announced to the collector's progress as the last step.
    private static func rendering(head: ReportData, base: ReportData?, diff: MetricsDiff? = nil, steps: Int, rows: Int,
                                  collector: ReportCollector) throws -> String {
        collector.progress?(ReportProgress(phase: .rendering, database: head.run.database, section: "page", step: steps,
                                           steps: steps, rows: rows, bucketWidth: head.bucketWidth))
        return try render(head: head, base: base, diff: diff)
    }

    /// The page for collected data.
    public static func render(head: ReportData, base: ReportData?, diff: MetricsDiff? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // JSONEncoder escapes "/" as "\/", so "</script>" cannot occur inside the data block.
        var json = "{\"head\":" + String(decoding: try encoder.encode(head), as: UTF8.self)
        json += ",\"base\":" + (try base.map { String(decoding: try encoder.encode($0), as: UTF8.self) } ?? "null")
        json += ",\"diff\":" + (diff.map(diffJSON) ?? "null") + "}"
        let title = "memreplay report: " + escape((head.run.trace as NSString).lastPathComponent)
            + (base != nil ? " vs " + escape((base!.run.trace as NSString).lastPathComponent) : "")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="memreplay \(escape(head.run.toolVersion))">
            <title>\(title)</title>
            <style>
            \(ReportStyle.css)
            </style>
            </head>
            <body>
            <header><h1>\(title)</h1><div class="sub">\(escape(head.run.database))\(base.map { " · base " + escape($0.run.database) } ?? "") · \(head.run.events) events</div></header>
            <nav><a href="#summary">summary</a><a href="#memory">memory</a><a href="#layers">layers</a><a href="#faults">faults</a><a href="#buddy">buddy</a><a href="#pressure">pressure</a><a href="#allocations">allocations</a><a href="#stacks">stacks</a><a href="#hardware">hardware</a><a href="#top">top</a>\(diff != nil ? "<a href=\"#diff\">diff</a>" : "")<span class="note">zoom: <span id="zoom-range">whole run</span></span> <button id="reset-zoom" type="button">reset zoom</button></nav>
            <main id="main"><noscript>This report draws its charts with JavaScript; the data is in the page's report-data block.</noscript></main>
            <script id="report-data" type="application/json">\(json)</script>
            <script>
            \(ReportScript.charts)
            \(ReportScript.flame)
            \(ReportScript.sections)
            </script>
            </body>
            </html>

            """
    }

    /// The metric diff as `{"entries": [[name, base, head, change, status, change %]], "counts": {…}}`.
    static func diffJSON(_ diff: MetricsDiff) -> String {
        func num(_ v: Double?) -> String { v.map { $0.isFinite ? MetricsDiff.formatNumber($0) : "null" } ?? "null" }
        let entries = diff.entries.map { e in
            "[" + [ResultFormatter.jsonString(e.name), num(e.base), num(e.head), num(e.change), "\"\(e.status.rawValue)\"",
                   num(e.relativeChange.map { ($0 * 10000).rounded() / 100 })].joined(separator: ",") + "]"
        }
        let counts = MetricsDiff.Status.allCases.map { "\"\($0.rawValue)\":\(diff.count($0))" }.joined(separator: ",")
        return "{\"entries\":[" + entries.joined(separator: ",") + "],\"counts\":{" + counts + "}}"
    }

    /// Text safe inside HTML element content and attribute values.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
