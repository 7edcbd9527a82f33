import Foundation
import MemTrace

/// The writeback tunables (`vm.dirty_ratio`, `vm.dirty_background_ratio`, `vm.dirty_bytes`,
/// `vm.dirty_background_bytes`, `vm.dirty_writeback_centisecs`, `vm.dirty_expire_centisecs`,
/// mm/page-writeback.c) and the backing device's write bandwidth.
///
/// Part of `VirtualMemoryConfiguration` (`--set vm.dirty_ratio=10`, `--set bdi.write_bandwidth=100M`);
/// the sysctls as trace control events change the running kernel's copy
/// (`WritebackState.applySysctl`). Setting a ratio zeroes its bytes form and the reverse, as
/// `dirty_ratio_handler`, `dirty_bytes_handler`, `dirty_background_ratio_handler` and
/// `dirty_background_bytes_handler` do; a non-zero bytes form overrides the ratio
/// (`domain_dirty_limits`). Every field decodes with `decodeIfPresent` semantics.
public struct WritebackPolicy: Codable, Hashable, Sendable {
    /// vm.dirty_ratio: percent of dirtyable memory at which writers are throttled.
    public var dirtyRatio: UInt64 = 20
    /// vm.dirty_background_ratio: percent of dirtyable memory at which the flusher starts.
    public var dirtyBackgroundRatio: UInt64 = 10
    /// vm.dirty_bytes: the throttling threshold in bytes when non-zero.
    public var dirtyBytes: UInt64 = 0
    /// vm.dirty_background_bytes: the background threshold in bytes when non-zero.
    public var dirtyBackgroundBytes: UInt64 = 0
    /// vm.dirty_writeback_centisecs: the flusher's periodic (kupdate) interval; 0 disables it.
    public var writebackCentisecs: UInt64 = 500
    /// vm.dirty_expire_centisecs: how old dirty data must be for the periodic flush to write it.
    public var expireCentisecs: UInt64 = 3000
    /// The backing device's write bandwidth in bytes per second (the model's disk; the kernel
    /// estimates it as `wb->avg_write_bandwidth`). Default: 200 MB/s, this host's virtio disk
    /// writing 256–512 MiB with `dd conv=fdatasync` (198 and 246 MB/s on first writes).
    public var writeBandwidth: UInt64 = 200_000_000

    public init() {}

    enum CodingKeys: String, CodingKey {
        case dirtyRatio, dirtyBackgroundRatio, dirtyBytes, dirtyBackgroundBytes, writebackCentisecs, expireCentisecs, writeBandwidth
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = WritebackPolicy()
        dirtyRatio = try c.decodeIfPresent(UInt64.self, forKey: .dirtyRatio) ?? d.dirtyRatio
        dirtyBackgroundRatio = try c.decodeIfPresent(UInt64.self, forKey: .dirtyBackgroundRatio) ?? d.dirtyBackgroundRatio
        dirtyBytes = try c.decodeIfPresent(UInt64.self, forKey: .dirtyBytes) ?? d.dirtyBytes
        dirtyBackgroundBytes = try c.decodeIfPresent(UInt64.self, forKey: .dirtyBackgroundBytes) ?? d.dirtyBackgroundBytes
        writebackCentisecs = try c.decodeIfPresent(UInt64.self, forKey: .writebackCentisecs) ?? d.writebackCentisecs
        expireCentisecs = try c.decodeIfPresent(UInt64.self, forKey: .expireCentisecs) ?? d.expireCentisecs
        writeBandwidth = try c.decodeIfPresent(UInt64.self, forKey: .writeBandwidth) ?? d.writeBandwidth
    }

    /// The keys `set(_:_:)` accepts.
    public static let settableKeys: [(key: String, meaning: String)] = [
        ("vm.dirty_ratio", "percent of dirtyable memory where writers are throttled (default 20; setting it zeroes vm.dirty_bytes)"),
        ("vm.dirty_background_ratio", "percent of dirtyable memory where background writeback starts (default 10; zeroes vm.dirty_background_bytes)"),
        ("vm.dirty_bytes", "the throttling threshold in bytes when non-zero (zeroes vm.dirty_ratio; at least 2 pages)"),
        ("vm.dirty_background_bytes", "the background threshold in bytes when non-zero (zeroes vm.dirty_background_ratio)"),
        ("vm.dirty_writeback_centisecs", "the flusher's periodic interval in centiseconds (default 500; 0 disables it)"),
        ("vm.dirty_expire_centisecs", "age in centiseconds after which the periodic flush writes dirty data (default 3000)"),
        ("bdi.write_bandwidth", "the disk's write bandwidth in bytes/s, with suffix (default 200M: this host's disk, measured with dd conv=fdatasync)"),
    ]

    /// Applies `key=value` (a number as the sysctl takes it; a size for bdi.write_bandwidth);
    /// false when the key is not one of these.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        guard WritebackPolicy.settableKeys.contains(where: { $0.key == key }) else { return false }
        if key == "bdi.write_bandwidth" {
            guard let v = MachineConfiguration.parseSize(value), v >= Page.size else {
                throw ConfigurationError("\(key)=\(value): expected bytes per second of at least 4K, such as 200M")
            }
            writeBandwidth = v
            return true
        }
        guard let v = Int64(value) else { throw ConfigurationError("\(key)=\(value): expected a non-negative integer") }
        guard apply(key, v) else { throw ConfigurationError("\(key)=\(value): out of range (\(WritebackPolicy.range(key)))") }
        return true
    }

    /// Applies a sysctl written as `value`; false (and nothing changed) when `key` is not one of
    /// these sysctls or the kernel's handler would refuse it (`proc_dointvec_minmax` with the
    /// bounds of kernel/sysctl.c: ratios 0–100, dirty_bytes at least 2 pages, the rest ≥ 0).
    public mutating func apply(_ key: String, _ value: Int64) -> Bool {
        guard value >= 0 else { return false }
        let v = UInt64(value)
        switch key {
        case "vm.dirty_ratio":
            guard v <= 100 else { return false }
            if v != dirtyRatio { dirtyBytes = 0 }
            dirtyRatio = v
        case "vm.dirty_background_ratio":
            guard v <= 100 else { return false }
            dirtyBackgroundRatio = v; dirtyBackgroundBytes = 0
        case "vm.dirty_bytes":
            guard v >= 2 * Page.size else { return false }      // dirty_bytes_min
            if v != dirtyBytes { dirtyRatio = 0 }
            dirtyBytes = v
        case "vm.dirty_background_bytes":
            guard v >= 1 else { return false }                   // SYSCTL_LONG_ONE
            dirtyBackgroundBytes = v; dirtyBackgroundRatio = 0
        case "vm.dirty_writeback_centisecs": writebackCentisecs = v
        case "vm.dirty_expire_centisecs": expireCentisecs = v
        default: return false
        }
        return true
    }

    /// The values `key` accepts, for messages.
    static func range(_ key: String) -> String {
        switch key {
        case "vm.dirty_ratio", "vm.dirty_background_ratio": "0 to 100"
        case "vm.dirty_bytes": "at least 8192"
        case "vm.dirty_background_bytes": "at least 1"
        default: "≥ 0"
        }
    }

    /// This machine's writeback sysctls, read from `directory` (/proc/sys/vm); a file that cannot
    /// be read keeps its default (the bandwidth is not a sysctl and keeps its default).
    public static func host(directory: String = "/proc/sys/vm") -> WritebackPolicy {
        func read(_ name: String) -> UInt64? {
            guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else { return nil }
            return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        var p = WritebackPolicy()
        if let v = read("dirty_ratio") { p.dirtyRatio = v }
        if let v = read("dirty_background_ratio") { p.dirtyBackgroundRatio = v }
        if let v = read("dirty_bytes") { p.dirtyBytes = v }
        if let v = read("dirty_background_bytes") { p.dirtyBackgroundBytes = v }
        if let v = read("dirty_writeback_centisecs") { p.writebackCentisecs = v }
        if let v = read("dirty_expire_centisecs") { p.expireCentisecs = v }
        return p
    }
}
