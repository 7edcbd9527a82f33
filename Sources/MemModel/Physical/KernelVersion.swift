/// The kernel-version behaviours the physical layer follows where the rules changed.
///
/// `Linux61Rules` is the default (the spec's Linux 6.1); `LegacyRules` follows the kernels the
/// seeds quote (before 4.6): low = min + min/4, high = min + min/2, min_free_kbytes capped at 65536.
public protocol KernelVersionRules: Sendable {
    /// The low and high watermarks from a zone's min and managed pages (`__setup_per_zone_wmarks`).
    func lowHigh(min: UInt64, share: UInt64, managed: UInt64, scaleFactor: Int) -> (low: UInt64, high: UInt64)
    /// The upper clamp of `calculate_min_free_kbytes`.
    var minFreeKbytesCap: UInt64 { get }
}

/// Linux 6.1 (`__setup_per_zone_wmarks`): the gap is max(min/4, managed·watermark_scale_factor/10000).
public struct Linux61Rules: KernelVersionRules {
    public init() {}
    public func lowHigh(min: UInt64, share: UInt64, managed: UInt64, scaleFactor: Int) -> (low: UInt64, high: UInt64) {
        let gap = Swift.max(share >> 2, managed * UInt64(scaleFactor) / 10000)
        return (min + gap, min + gap * 2)
    }
    public var minFreeKbytesCap: UInt64 { 262144 }
}

/// Kernels before 4.6 (no watermark_scale_factor): low = min + min/4, high = min + min/2.
public struct LegacyRules: KernelVersionRules {
    public init() {}
    public func lowHigh(min: UInt64, share: UInt64, managed: UInt64, scaleFactor: Int) -> (low: UInt64, high: UInt64) {
        (min + (share >> 2), min + (share >> 1))
    }
    public var minFreeKbytesCap: UInt64 { 65536 }
}

/// A kernel version as `--set kernel_version=` takes it ("6.1", "4.4", "3.10").
public struct KernelVersion: Hashable, Sendable, Codable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(major: Int, minor: Int) { self.major = major; self.minor = minor }

    public init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count >= 1, parts.count <= 3, let a = Int(parts[0]), a > 0 else { return nil }
        let b = parts.count > 1 ? Int(parts[1]) : 0
        guard let minor = b, minor >= 0 else { return nil }
        self.major = a; self.minor = minor
    }

    public static let default61 = KernelVersion(major: 6, minor: 1)
    public var description: String { "\(major).\(minor)" }

    /// The rules this version follows: 4.6 introduced watermark_scale_factor.
    public var rules: any KernelVersionRules {
        self < KernelVersion(major: 4, minor: 6) ? LegacyRules() : Linux61Rules()
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let v = KernelVersion(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a kernel version such as 6.1, got \(text)"))
        }
        self = v
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer(); try c.encode(description)
    }
}

extension KernelVersion: Comparable {
    /// Older first: by major, then minor version.
    public static func < (a: KernelVersion, b: KernelVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}
