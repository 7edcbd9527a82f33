/// Rust symbol names: legacy (`_ZN…17h<hash>E`) and v0 (`_R…`), printed as `c++filt` does
/// (no crate disambiguators, no hash).
enum RustDemangler {
    /// `_ZN` length-prefixed components ending in a `h` + 16 hex digits hash; nil otherwise.
    static func demangleLegacy(_ name: String) -> String? {
        var s = Substring(name.utf8.count > 3 ? name : "")
        guard s.hasPrefix("_ZN"), s.hasSuffix("E") else { return nil }
        s = s.dropFirst(3).dropLast()
        var parts: [String] = []
        while !s.isEmpty {
            let digits = s.prefix { $0.isASCII && $0.isNumber }
            guard let n = Int(digits), n > 0 else { return nil }
            s = s.dropFirst(digits.count)
            guard s.utf8.count >= n else { return nil }
            let id = String(s.utf8.prefix(n))!
            s = Substring(s.utf8.dropFirst(n))
            parts.append(id)
        }
        guard let hash = parts.last, hash.utf8.count == 17, hash.hasPrefix("h"),
              hash.dropFirst().allSatisfy({ $0.isHexDigit }) else { return nil }
        parts.removeLast()
        var out: [String] = []
        for p in parts {
            guard let u = unescapeLegacy(p) else { return nil }
            out.append(u)
        }
        return out.joined(separator: "::")
    }

    private static func unescapeLegacy(_ part: String) -> String? {
        var s = Substring(part)
        if s.hasPrefix("_$") { s = s.dropFirst() }
        var out = ""
        let table: [Substring: String] = ["SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ","]
        while let c = s.first {
            if c == "$" {
                guard let end = s.dropFirst().firstIndex(of: "$") else { return nil }
                let code = s[s.index(after: s.startIndex)..<end]
                if let t = table[code] {
                    out += t
                } else if code.hasPrefix("u"), let v = UInt32(code.dropFirst(), radix: 16), let scalar = Unicode.Scalar(v) {
                    out.unicodeScalars.append(scalar)
                } else {
                    return nil
                }
                s = s[s.index(after: end)...]
            } else if s.hasPrefix("..") {
                out += "::"
                s = s.dropFirst(2)
            } else {
                out.append(c)
                s = s.dropFirst()
            }
        }
        return out
    }

    /// A v0 name; nil when it uses something this printer does not handle (punycode identifiers).
    static func demangleV0(_ name: String) -> String? {
        var p = V0Printer(Array(name.utf8))
        return p.symbol()
    }
}

/// A recursive-descent printer for Rust v0 mangling (RFC 2603).
private struct V0Printer {
    let b: [UInt8]
    var i = 0
    var out = ""
    var depth = 0
    /// Lifetimes bound by enclosing `for<…>` binders (de Bruijn indices count from the innermost).
    var boundLifetimes = 0

    init(_ bytes: [UInt8]) { b = bytes }

    /// `'_` for index 0, else `'a`, `'b`… by binding depth.
    func lifetimeName(_ index: UInt64) -> String {
        guard index > 0, index <= UInt64(boundLifetimes) else { return "'_" }
        let n = boundLifetimes - Int(index)
        return n < 26 ? "'" + String(UnicodeScalar(UInt8(ascii: "a") + UInt8(n))) : "'_\(n)"
    }

    /// A `G` binder: `for<'a, …> ` for the lifetimes it introduces.
    mutating func binder() throws(Failure) -> Int {
        guard eat("G") else { return 0 }
        let count = Int(clamping: try base62() &+ 1)
        guard count < 64 else { throw Failure() }
        var names: [String] = []
        for _ in 0..<count {
            boundLifetimes += 1
            names.append(lifetimeName(1))
        }
        out += "for<" + names.joined(separator: ", ") + "> "
        return count
    }

    struct Failure: Error {}

    var peek: UInt8? { i < b.count ? b[i] : nil }

    mutating func eat(_ c: Character) -> Bool {
        if peek == c.asciiValue { i += 1; return true }
        return false
    }

    mutating func next() throws(Failure) -> UInt8 {
        guard i < b.count else { throw Failure() }
        i += 1
        return b[i - 1]
    }

    mutating func symbol() -> String? {
        guard b.count > 2, b[0] == UInt8(ascii: "_"), b[1] == UInt8(ascii: "R") else { return nil }
        i = 2
        while let c = peek, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { i += 1 }  // encoding version
        do {
            try path(inValue: true)
            return out
        } catch {
            return nil
        }
    }

    mutating func base62() throws(Failure) -> UInt64 {
        if eat("_") { return 0 }
        var v: UInt64 = 0
        while true {
            let c = try next()
            if c == UInt8(ascii: "_") { return v &+ 1 }
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): d = c - UInt8(ascii: "A") + 36
            default: throw Failure()
            }
            v = v &* 62 &+ UInt64(d)
        }
    }

    mutating func disambiguator() throws(Failure) -> UInt64 { eat("s") ? try base62() &+ 1 : 0 }

    mutating func identifier() throws(Failure) -> String {
        if eat("u") { throw Failure() }  // punycode
        var n = 0
        guard let c = peek, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { throw Failure() }
        // A decimal number is "0" alone or starts with 1-9 (so "00" is two empty identifiers).
        if c == UInt8(ascii: "0") {
            i += 1
        } else {
            while let d = peek, d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") {
                n = n * 10 + Int(d - UInt8(ascii: "0"))
                i += 1
                if n > b.count { throw Failure() }
            }
        }
        _ = eat("_")
        guard i + n <= b.count else { throw Failure() }
        defer { i += n }
        return String(decoding: b[i..<i + n], as: UTF8.self)
    }

    mutating func backref(_ body: (inout V0Printer) throws(Failure) -> Void) throws(Failure) {
        // Offsets count from just after the "_R" prefix.
        let start = i - 1
        let target = 2 + Int(clamping: try base62())
        guard target < start, depth < 64 else { throw Failure() }
        let saved = i
        i = target
        depth += 1
        try body(&self)
        depth -= 1
        i = saved
    }

    mutating func path(inValue: Bool) throws(Failure) {
        let c = try next()
        switch c {
        case UInt8(ascii: "C"):
            _ = try disambiguator()
            out += try identifier()
        case UInt8(ascii: "N"):
            let ns = try next()
            try path(inValue: inValue)
            let dis = try disambiguator()
            let id = try identifier()
            if ns >= UInt8(ascii: "A") && ns <= UInt8(ascii: "Z") {
                out += "::{"
                out += ns == UInt8(ascii: "C") ? "closure" : ns == UInt8(ascii: "S") ? "shim" : String(UnicodeScalar(ns))
                if !id.isEmpty { out += ":" + id }
                out += "#\(dis)}"
            } else if !id.isEmpty {
                out += "::" + id
            }
        case UInt8(ascii: "M"), UInt8(ascii: "X"), UInt8(ascii: "Y"):
            if c != UInt8(ascii: "Y") {
                _ = try disambiguator()
                let saved = out
                try path(inValue: false)  // the impl's parent path: not printed
                out = saved
            }
            out += "<"
            try type()
            if c != UInt8(ascii: "M") {
                out += " as "
                try path(inValue: false)
            }
            out += ">"
        case UInt8(ascii: "I"):
            try path(inValue: inValue)
            out += inValue ? "::<" : "<"
            var first = true
            while !eat("E") {
                if !first { out += ", " }
                first = false
                try genericArg()
            }
            out += ">"
        case UInt8(ascii: "B"):
            try backref { (p: inout V0Printer) throws(Failure) in try p.path(inValue: inValue) }
        default:
            throw Failure()
        }
    }

    mutating func genericArg() throws(Failure) {
        if eat("L") { out += lifetimeName(try base62()); return }
        if eat("K") { try const(); return }
        try type()
    }

    static let basic: [UInt8: String] = [
        UInt8(ascii: "a"): "i8", UInt8(ascii: "b"): "bool", UInt8(ascii: "c"): "char", UInt8(ascii: "d"): "f64",
        UInt8(ascii: "e"): "str", UInt8(ascii: "f"): "f32", UInt8(ascii: "h"): "u8", UInt8(ascii: "i"): "isize",
        UInt8(ascii: "j"): "usize", UInt8(ascii: "l"): "i32", UInt8(ascii: "m"): "u32", UInt8(ascii: "n"): "i128",
        UInt8(ascii: "o"): "u128", UInt8(ascii: "s"): "i16", UInt8(ascii: "t"): "u16", UInt8(ascii: "u"): "()",
        UInt8(ascii: "v"): "...", UInt8(ascii: "x"): "i64", UInt8(ascii: "y"): "u64", UInt8(ascii: "z"): "!",
        UInt8(ascii: "p"): "_",
    ]

    mutating func type() throws(Failure) {
        guard let c = peek else { throw Failure() }
        if let name = Self.basic[c] { i += 1; out += name; return }
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw Failure() }
        switch c {
        case UInt8(ascii: "R"), UInt8(ascii: "Q"):
            i += 1
            out += "&"
            if eat("L") {
                let l = try base62()
                if l != 0 { out += lifetimeName(l) + " " }
            }
            if c == UInt8(ascii: "Q") { out += "mut " }
            try type()
        case UInt8(ascii: "P"), UInt8(ascii: "O"):
            i += 1
            out += c == UInt8(ascii: "P") ? "*const " : "*mut "
            try type()
        case UInt8(ascii: "A"):
            i += 1
            out += "["
            try type()
            out += "; "
            try const()
            out += "]"
        case UInt8(ascii: "S"):
            i += 1
            out += "["
            try type()
            out += "]"
        case UInt8(ascii: "T"):
            i += 1
            out += "("
            var n = 0
            while !eat("E") {
                if n > 0 { out += ", " }
                try type()
                n += 1
            }
            out += n == 1 ? ",)" : ")"
        case UInt8(ascii: "F"):
            i += 1
            let bound = try binder()
            defer { boundLifetimes -= bound }
            if eat("U") { out += "unsafe " }
            if eat("K") {
                out += "extern \""
                out += eat("C") ? "C" : String((try identifier()).map { $0 == "_" ? "-" : $0 })
                out += "\" "
            }
            out += "fn("
            var n = 0
            while !eat("E") {
                if n > 0 { out += ", " }
                try type()
                n += 1
            }
            out += ")"
            if peek == UInt8(ascii: "u") { i += 1 } else { out += " -> "; try type() }
        case UInt8(ascii: "D"):
            i += 1
            out += "dyn "
            let bound = try binder()
            defer { boundLifetimes -= bound }
            var n = 0
            while !eat("E") {
                if n > 0 { out += " + " }
                try path(inValue: false)
                var open = false
                while eat("p") {
                    // Associated type bindings join the trait's generic arguments: Fn<(A,), Output = R>.
                    if !open {
                        if out.hasSuffix(">") { out.removeLast(); out += ", " } else { out += "<" }
                        open = true
                    } else {
                        out += ", "
                    }
                    out += (try identifier()) + " = "
                    try type()
                }
                if open { out += ">" }
                n += 1
            }
            guard eat("L") else { throw Failure() }
            _ = try base62()
        case UInt8(ascii: "B"):
            i += 1
            try backref { (p: inout V0Printer) throws(Failure) in try p.type() }
        default:
            try path(inValue: false)
        }
    }

    mutating func const() throws(Failure) {
        if eat("p") { out += "_"; return }
        if eat("B") { try backref { (p: inout V0Printer) throws(Failure) in try p.const() }; return }
        let t = try next()
        let negative = eat("n")
        var hex = ""
        while let c = peek, c != UInt8(ascii: "_") { hex.append(Character(UnicodeScalar(c))); i += 1 }
        guard eat("_") else { throw Failure() }
        let v = hex.isEmpty ? 0 : UInt64(hex, radix: 16)
        switch t {
        case UInt8(ascii: "b"): out += v == 0 ? "false" : "true"
        case UInt8(ascii: "c"):
            guard let v, let s = UnicodeScalar(UInt32(truncatingIfNeeded: v)) else { throw Failure() }
            out += "'\(Character(s))'"
        default:
            guard let v else { throw Failure() }
            out += (negative ? "-" : "") + String(v)
        }
    }
}
