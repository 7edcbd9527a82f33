import Foundation
import MemStore

extension StackView {
    /// The view as text: a heading, then per row its rank, figures and stack (function,
    /// file:line, object), as heaptrack_print lays out its sections.
    public func text() -> String {
        let noun = grouping == StackGrouping.site.rawValue ? "allocation sites" : "call stacks"
        var out = "\(database): \(noun) by \(metric.title) — top \(rows.count) of \(count); "
            + "\(Self.grouped(total)) \(metric.rankColumn.replacingOccurrences(of: "_", with: " ")) in all"
            + (recorderLeftOut > 0 ? ", \(Self.grouped(recorderLeftOut)) of them the recorder's own "
               + "(\(StackQuery.recorderSite), left out: --include-recorder shows it)" : "") + "\n"
        if rows.isEmpty { out += "  (none)\n" }
        for (i, row) in rows.enumerated() {
            let figures = zip(valueColumns, row.values).map { "\(Self.grouped($1)) \($0.replacingOccurrences(of: "_", with: " "))" }
            var line = "\n#\(i + 1) \(row.site): " + figures[0] + String(format: " (%.2f %%)", row.percent)
            if figures.count > 1 { line += ", " + figures.dropFirst().joined(separator: ", ") }
            line += grouping == StackGrouping.site.rawValue ? ", \(row.stacks) stack\(row.stacks == 1 ? "" : "s")" : ""
            out += line + "\n"
            if row.frames.isEmpty {
                out += row.stack == 0 ? "    (the calls carried no stack)\n" : ""
            } else {
                out += "    stack \(row.stack)\(grouping == StackGrouping.site.rawValue && row.stacks > 1 ? " (the largest)" : ""):\n"
            }
            for frame in row.frames {
                out += "      " + Self.describe(frame) + "\n"
            }
        }
        return out
    }

    /// `function  file:line  object` (file:line and the object's base name left out when unknown).
    static func describe(_ frame: Frame) -> String {
        var parts = [frame.function]
        if let file = frame.file, !file.isEmpty { parts.append(frame.line > 0 ? "\(file):\(frame.line)" : file) }
        if let object = frame.object, !object.isEmpty { parts.append("in " + (object as NSString).lastPathComponent) }
        return parts.joined(separator: "  ")
    }

    /// The rows as a result set: rank, site, file, line, object, the values, percent, stacks,
    /// stack and the frames as one text (`function file:line; …`).
    public var resultSet: ResultSet {
        let columns = ["rank", "site", "file", "line", "object"] + valueColumns + ["percent", "stacks", "stack", "frames"]
        let rows: [[ResultSet.Value]] = rows.enumerated().map { i, row in
            [.integer(Int64(i + 1)), .text(row.site), row.file.map { .text($0) } ?? .null, .integer(row.line),
             row.object.map { .text($0) } ?? .null] + row.values.map { .integer($0) }
                + [.real(row.percent), .integer(row.stacks), .integer(row.stack),
                   .text(row.frames.map(Self.describe).joined(separator: "; "))]
        }
        return ResultSet(columns: columns, rows: rows)
    }

    /// The view in `format`: `text` (heaptrack-like), `csv` (RFC 4180, one row per site) or
    /// `json` (the whole view, frames as arrays).
    public func render(_ format: StackViewFormat) throws -> String {
        switch format {
        case .text: return text()
        case .csv: return ResultFormatter.csv(resultSet) + "\n"
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
        }
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ v: Int64) -> String {
        let digits = String(v.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }
}

/// Output formats of `memreplay stacks`.
public enum StackViewFormat: String, CaseIterable, Sendable {
    case text, csv, json
}
