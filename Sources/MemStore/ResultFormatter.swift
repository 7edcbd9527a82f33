/// Renders result sets as `table`, `csv` or `json` text for `memreplay query`.
///
/// The text never ends with a newline, so `print` adds exactly one. With several result sets,
/// `table` and `csv` separate them with an empty line, and `json` emits an array with one array of
/// row objects per statement (a single statement gives just its array of row objects).
public enum ResultFormatter {
    /// Renders every result set in `format`.
    public static func render(_ results: [ResultSet], format: ResultFormat) -> String {
        switch format {
        case .table: return results.map(table).joined(separator: "\n\n")
        case .csv: return results.map(csv).joined(separator: "\n\n")
        case .json:
            if results.count == 1 { return json(results[0], indent: "") }
            if results.isEmpty { return "[]" }
            return "[\n" + results.map { "  " + json($0, indent: "  ") }.joined(separator: ",\n") + "\n]"
        }
    }

    /// The text of one value in table and CSV output (NULL is `NULL` in tables, empty in CSV).
    static func text(_ value: ResultSet.Value, null: String) -> String {
        switch value {
        case .null: return null
        case .integer(let v): return String(v)
        case .real(let v): return formatReal(v)
        case .text(let s): return s
        case .blob(let b): return "x'" + hex(b) + "'"
        }
    }

    /// A double as SQLite's shell would show it: integral values keep a `.0`.
    static func formatReal(_ v: Double) -> String {
        String(v)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(bytes.count * 2)
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }

    /// Aligned columns separated by two spaces: a header, a dashed separator, the rows.
    /// A column whose non-NULL values are all numbers is right-aligned, header included.
    public static func table(_ result: ResultSet) -> String {
        let cells = result.rows.map { $0.map { text($0, null: "NULL") } }
        var widths = result.columns.map { $0.count }
        var numeric = [Bool](repeating: true, count: result.columns.count)
        for (r, row) in result.rows.enumerated() {
            for (c, value) in row.enumerated() {
                widths[c] = max(widths[c], cells[r][c].count)
                if value != .null && !value.isNumber { numeric[c] = false }
            }
        }
        func line(_ fields: [String]) -> String {
            var parts: [String] = []
            for (c, field) in fields.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - field.count)
                parts.append(numeric[c] ? pad + field : field + pad)
            }
            var s = parts.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s
        }
        var lines = [line(result.columns), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += cells.map(line)
        return lines.joined(separator: "\n")
    }

    /// RFC 4180: fields holding a comma, a double quote, CR or LF are quoted, quotes doubled.
    /// Records end with LF; NULL is an empty field; there is no newline after the last record.
    public static func csv(_ result: ResultSet) -> String {
        var lines = [result.columns.map(csvField).joined(separator: ",")]
        for row in result.rows {
            lines.append(row.map { csvField(text($0, null: "")) }.joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    static func csvField(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            var quoted = "\""
            for ch in s { quoted.append(ch); if ch == "\"" { quoted.append(ch) } }
            return quoted + "\""
        }
        return s
    }

    /// An array of objects, one line per row, keys in column order; integers and reals are
    /// numbers (non-finite reals are null), NULL is null, blobs are hex strings.
    public static func json(_ result: ResultSet, indent: String = "") -> String {
        if result.rows.isEmpty { return "[]" }
        let keys = result.columns.map(jsonString)
        var lines: [String] = []
        for row in result.rows {
            var fields: [String] = []
            for (c, value) in row.enumerated() { fields.append(keys[c] + ": " + jsonValue(value)) }
            lines.append(indent + "  {" + fields.joined(separator: ", ") + "}")
        }
        return "[\n" + lines.joined(separator: ",\n") + "\n" + indent + "]"
    }

    static func jsonValue(_ value: ResultSet.Value) -> String {
        switch value {
        case .null: return "null"
        case .integer(let v): return String(v)
        case .real(let v): return v.isFinite ? formatReal(v) : "null"
        case .text(let s): return jsonString(s)
        case .blob(let b): return jsonString(hex(b))
        }
    }

    /// A JSON string literal with the required escapes.
    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
