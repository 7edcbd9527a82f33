import Foundation

/// How big each key's value is: fixed, uniform, lognormal, Zipf or a histogram read from a file.
/// A key's size is a pure function of (seed, key id), so the generator never stores it and a
/// dataset of any size costs no memory to describe.
public enum RedisValueSizes: Hashable, Sendable {
    case fixed(UInt64)
    /// Uniform in lo...hi bytes.
    case uniform(UInt64, UInt64)
    /// exp(N(ln median, sigma²)) bytes, at least 1.
    case lognormal(median: Double, sigma: Double)
    /// Size k in 1...max with probability ∝ 1/k^s.
    case zipf(max: UInt64, s: Double)
    /// Sizes with weights (cumulative weights ascending), from a file of "SIZE WEIGHT" lines.
    case histogram(sizes: [UInt64], cumulative: [Double], path: String)

    /// The largest value Redis accepts (proto-max-bulk-len, 512 MB).
    public static let maxValue: UInt64 = 512 << 20

    /// The option text this distribution was parsed from (stored in the trace header).
    public var description: String {
        switch self {
        case .fixed(let n): "fixed:\(n)"
        case .uniform(let a, let b): "uniform:\(a)-\(b)"
        case .lognormal(let m, let s): "lognormal:\(m):\(s)"
        case .zipf(let m, let s): "zipf:\(m):\(s)"
        case .histogram(_, _, let p): "histogram:\(p)"
        }
    }

    /// Parses `fixed:N`, `N`, `uniform:A-B`, `lognormal:MEDIAN:SIGMA`, `zipf:MAX:S` or
    /// `histogram:FILE`; the error says what was expected (and for a file, which line).
    public static func parse(_ text: String) throws -> RedisValueSizes {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        func bytes(_ s: String) throws -> UInt64 {
            guard let n = UInt64(s), n >= 1, n <= maxValue else {
                throw RedisSynthError("--value-size \(text): '\(s)' is not a size in bytes from 1 to \(maxValue)")
            }
            return n
        }
        if parts.count == 1 { return .fixed(try bytes(parts[0])) }
        let arg = parts[1]
        switch parts[0] {
        case "fixed": return .fixed(try bytes(arg))
        case "uniform":
            let ab = arg.split(separator: "-").map(String.init)
            guard ab.count == 2 else { throw RedisSynthError("--value-size \(text): expected uniform:MIN-MAX") }
            let a = try bytes(ab[0]), b = try bytes(ab[1])
            guard a <= b else { throw RedisSynthError("--value-size \(text): MIN must not exceed MAX") }
            return .uniform(a, b)
        case "lognormal":
            let ms = arg.split(separator: ":").map(String.init)
            guard ms.count == 2, let m = Double(ms[0]), let s = Double(ms[1]), m >= 1, m <= Double(maxValue), s >= 0, s <= 5 else {
                throw RedisSynthError("--value-size \(text): expected lognormal:MEDIAN:SIGMA with MEDIAN 1–\(maxValue) bytes and SIGMA 0–5")
            }
            return .lognormal(median: m, sigma: s)
        case "zipf":
            let ms = arg.split(separator: ":").map(String.init)
            guard ms.count == 2, let s = Double(ms[1]), s > 0, s <= 10 else {
                throw RedisSynthError("--value-size \(text): expected zipf:MAX:S with S in (0, 10]")
            }
            return .zipf(max: try bytes(ms[0]), s: s)
        case "histogram": return try histogram(path: arg)
        default:
            throw RedisSynthError("--value-size \(text): expected N, fixed:N, uniform:A-B, lognormal:MEDIAN:SIGMA, zipf:MAX:S or histogram:FILE")
        }
    }

    /// Reads a histogram file: one "SIZE WEIGHT" pair per line, `#` comments and blank lines ignored.
    static func histogram(path: String) throws -> RedisValueSizes {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw RedisSynthError("\(path): cannot read the value-size histogram")
        }
        var sizes: [UInt64] = [], cumulative: [Double] = []
        var total = 0.0
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init)
            if f.isEmpty { continue }
            guard f.count == 2, let s = UInt64(f[0]), s >= 1, s <= maxValue, let w = Double(f[1]), w >= 0, w.isFinite else {
                throw RedisSynthError("\(path): line \(i + 1): expected 'SIZE WEIGHT' (SIZE 1–\(maxValue) bytes, WEIGHT ≥ 0), found '\(raw)'")
            }
            total += w
            sizes.append(s); cumulative.append(total)
        }
        guard total > 0 else { throw RedisSynthError("\(path): expected at least one 'SIZE WEIGHT' line with a positive weight") }
        return .histogram(sizes: sizes, cumulative: cumulative, path: path)
    }

    /// The value size of key `key` (and of the `draw`-th independent draw, for DEL-then-SET).
    public func size(seed: UInt64, key: UInt64) -> UInt64 {
        switch self {
        case .fixed(let n): return n
        case .uniform(let a, let b): return a + UInt64(Self.unit(seed, key, 0) * Double(b - a + 1)).clamped(b - a)
        case .lognormal(let m, let s):
            let u1 = max(Self.unit(seed, key, 1), 1e-300), u2 = Self.unit(seed, key, 2)
            let z = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
            let v = m * Foundation.exp(s * z)
            return UInt64(min(max(v.rounded(), 1), Double(Self.maxValue)))
        case .zipf(let max, let s):
            var z = RedisZipf(count: max, s: s)
            var i: UInt64 = 0
            return z.sample { i += 1; return Self.unit(seed, key, 3 + i) }
        case .histogram(let sizes, let cumulative, _):
            let u = Self.unit(seed, key, 0) * cumulative[cumulative.count - 1]
            var lo = 0, hi = cumulative.count - 1
            while lo < hi { let m = (lo + hi) / 2; if cumulative[m] <= u { lo = m + 1 } else { hi = m } }
            return sizes[lo]
        }
    }

    /// A uniform number in [0, 1) from a hash of (seed, key, stream).
    @inline(__always) static func unit(_ seed: UInt64, _ key: UInt64, _ stream: UInt64) -> Double {
        var g = SplitMix64(seed: seed ^ (key &* 0xD6E8_FEB8_6659_FD93) ^ (stream &* 0xA076_1D64_78BD_642F))
        return Double(g.next() >> 11) * 0x1p-53
    }
}

extension UInt64 {
    @inline(__always) func clamped(_ hi: UInt64) -> UInt64 { Swift.min(self, hi) }
}

/// A Zipf distribution over 1...count with exponent s, sampled in O(1) by rejection-inversion
/// (Hörmann and Derflinger, "Rejection-inversion to generate variates from monotone discrete
/// distributions", 1996).
public struct RedisZipf: Sendable {
    let count: Double
    let s: Double
    let hX1: Double, hN: Double, sConst: Double

    public init(count: UInt64, s: Double) {
        self.count = Double(count); self.s = s
        hX1 = RedisZipf.hIntegral(1.5, s) - 1
        hN = RedisZipf.hIntegral(Double(count) + 0.5, s)
        sConst = 2 - RedisZipf.hIntegralInverse(RedisZipf.hIntegral(2.5, s) - RedisZipf.h(2, s), s)
    }

    /// A rank in 1...count; `uniform` gives numbers in [0, 1).
    public mutating func sample(_ uniform: () -> Double) -> UInt64 {
        while true {
            let u = hN + uniform() * (hX1 - hN)
            let x = RedisZipf.hIntegralInverse(u, s)
            var k = (x + 0.5).rounded(.down)
            if k < 1 { k = 1 } else if k > count { k = count }
            if k - x <= sConst || u >= RedisZipf.hIntegral(k + 0.5, s) - RedisZipf.h(k, s) { return UInt64(k) }
        }
    }

    static func h(_ x: Double, _ s: Double) -> Double { Foundation.exp(-s * Foundation.log(x)) }
    static func hIntegral(_ x: Double, _ s: Double) -> Double {
        let lx = Foundation.log(x)
        return helper2((1 - s) * lx) * lx
    }
    static func hIntegralInverse(_ x: Double, _ s: Double) -> Double {
        var t = x * (1 - s)
        if t < -1 { t = -1 }
        return Foundation.exp(helper1(t) * x)
    }
    /// log1p(x)/x, continuous at 0.
    static func helper1(_ x: Double) -> Double { abs(x) > 1e-8 ? Foundation.log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x)) }
    /// expm1(x)/x, continuous at 0.
    static func helper2(_ x: Double) -> Double { abs(x) > 1e-8 ? Foundation.expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x)) }
}

/// A bad `synth redis` option or input file; the message names the option or file and what was expected.
public struct RedisSynthError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
