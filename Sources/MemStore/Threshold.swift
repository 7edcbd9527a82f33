/// A regression threshold of `memreplay diff`: `NAME=+5%`, `NAME=-5%`, `NAME=5%` (or `±5%`),
/// `NAME=+100`, `NAME=-3`, `NAME=100`.
///
/// `+` fails when the head value rises by more than the limit, `-` when it falls by more than the
/// limit, no sign (or `±`) when it moves either way by more. A percentage is of the base value's
/// magnitude (so with a base of 0, any move in the watched direction fails); a bare number is an
/// absolute amount. A NAME ending in `*` is a prefix glob (`vmstat.*=+10%`).
public struct Threshold: Hashable, Sendable, CustomStringConvertible {
    /// Which way of moving counts as a regression.
    public enum Direction: Hashable, Sendable { case increase, decrease, either }

    /// The metric name, or a prefix followed by `*`.
    public var pattern: String
    public var direction: Direction
    /// The allowed change: a percentage of the base when `isPercent`, else an absolute amount.
    public var amount: Double
    public var isPercent: Bool

    public init(pattern: String, direction: Direction, amount: Double, isPercent: Bool) {
        self.pattern = pattern; self.direction = direction; self.amount = amount; self.isPercent = isPercent
    }

    /// Parses `NAME=[+|-|±]NUMBER[%]`; throws a `StoreError` quoting `text` and what was expected.
    public init(parsing text: String) throws {
        func fail(_ why: String) -> StoreError {
            StoreError(file: "--threshold", message:
                "bad threshold '\(text)': \(why); expected NAME=[+|-|±]NUMBER[%], for example vmstat.pgfault=+5% or 'vmstat.*=10%'")
        }
        guard let eq = text.firstIndex(of: "=") else { throw fail("no '='") }
        let name = String(text[..<eq]).trimmingSpaces
        var spec = Substring(String(text[text.index(after: eq)...]).trimmingSpaces)
        guard !name.isEmpty else { throw fail("the metric name is empty") }
        if let star = name.firstIndex(of: "*"), star != name.index(before: name.endIndex) {
            throw fail("'*' may only end the name (a prefix glob)")
        }
        var direction = Direction.either
        if spec.hasPrefix("+-") || spec.hasPrefix("-+") { spec = spec.dropFirst(2) }
        else if spec.hasPrefix("±") { spec = spec.dropFirst() }
        else if spec.hasPrefix("+") { direction = .increase; spec = spec.dropFirst() }
        else if spec.hasPrefix("-") { direction = .decrease; spec = spec.dropFirst() }
        var isPercent = false
        if spec.hasSuffix("%") { isPercent = true; spec = spec.dropLast() }
        guard !spec.isEmpty else { throw fail("the amount is missing") }
        guard spec.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let amount = Double(spec),
              amount.isFinite else {
            throw fail("'\(spec)' is not a number")
        }
        self.init(pattern: name, direction: direction, amount: amount, isPercent: isPercent)
    }

    /// True when `name` is the pattern, or starts with the prefix of a `*` pattern.
    public func matches(_ name: String) -> Bool {
        if pattern.hasSuffix("*") { return name.hasPrefix(pattern.dropLast()) }
        return name == pattern
    }

    /// The largest allowed change for a metric whose base value is `base`.
    public func limit(base: Double) -> Double {
        isPercent ? abs(base) * amount / 100 : amount
    }

    /// True when moving from `base` to `head` goes past the threshold.
    public func isExceeded(base: Double, head: Double) -> Bool {
        let delta = head - base
        let limit = limit(base: base)
        switch direction {
        case .increase: return delta > limit
        case .decrease: return -delta > limit
        case .either: return abs(delta) > limit
        }
    }

    /// The threshold's amount as written: `+5%`, `-3`, `±10%`.
    public var amountText: String {
        let sign = switch direction { case .increase: "+"; case .decrease: "-"; case .either: "±" }
        return sign + MetricsDiff.formatNumber(amount) + (isPercent ? "%" : "")
    }

    public var description: String { pattern + "=" + amountText }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
