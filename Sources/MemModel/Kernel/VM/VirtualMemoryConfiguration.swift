/// The virtual-memory tunables of the kernel model: transparent huge pages, resource limits, the
/// map-count limit and overcommit, as sysfs, sysctl and `ulimit` set them.
///
/// Stored in `MachineConfiguration.virtualMemory` (nil means these defaults) and set with
/// `--set thp.enabled=always`, `--set rlimit.memlock=8M`, `--set vm.overcommit_memory=2`, ….
/// `overcommit`, added later, decodes as its defaults when absent, so older machine JSON stays valid.
public struct VirtualMemoryConfiguration: Codable, Hashable, Sendable {
    /// /sys/kernel/mm/transparent_hugepage/enabled.
    public enum THPMode: String, Codable, Hashable, Sendable, CaseIterable {
        case always, madvise, never
    }
    /// /sys/kernel/mm/transparent_hugepage/defrag (what a THP fault may do when no order-9 block is free).
    public enum THPDefrag: String, Codable, Hashable, Sendable, CaseIterable {
        case always, defer_ = "defer", deferMadvise = "defer+madvise", madvise, never
    }

    public var thpEnabled: THPMode
    public var thpDefrag: THPDefrag
    /// /sys/kernel/mm/transparent_hugepage/use_zero_page: a THP read fault maps the huge zero page.
    public var thpUseZeroPage: Bool
    /// Anonymous mappings of at least 2 MiB get 2 MiB-aligned addresses (`thp_get_unmapped_area` for
    /// anonymous memory, since Linux 6.7; false reproduces 6.1).
    public var thpAlignAnonymous: Bool
    /// vm.max_map_count.
    public var maxMapCount: Int
    /// RLIMIT_MEMLOCK, RLIMIT_DATA, RLIMIT_AS and RLIMIT_STACK in bytes (UInt64.max = unlimited).
    public var rlimitMemlock: UInt64
    public var rlimitData: UInt64
    public var rlimitAS: UInt64
    public var rlimitStack: UInt64
    /// vm.overcommit_* and the reserves `__vm_enough_memory` works with (`OvercommitPolicy`).
    public var overcommit = OvercommitPolicy()
    /// vm.dirty_* and the disk's write bandwidth (`WritebackPolicy`).
    public var writeback = WritebackPolicy()

    /// Debian 12 / 6.1 defaults: THP madvise, defrag madvise, zero page on, 65530 maps,
    /// memlock 8 MiB, stack 8 MiB, data and address space unlimited.
    public init(thpEnabled: THPMode = .madvise, thpDefrag: THPDefrag = .madvise, thpUseZeroPage: Bool = true,
                thpAlignAnonymous: Bool = false, maxMapCount: Int = 65530, rlimitMemlock: UInt64 = 8 << 20,
                rlimitData: UInt64 = .max, rlimitAS: UInt64 = .max, rlimitStack: UInt64 = 8 << 20) {
        self.thpEnabled = thpEnabled; self.thpDefrag = thpDefrag; self.thpUseZeroPage = thpUseZeroPage
        self.thpAlignAnonymous = thpAlignAnonymous; self.maxMapCount = maxMapCount
        self.rlimitMemlock = rlimitMemlock; self.rlimitData = rlimitData; self.rlimitAS = rlimitAS
        self.rlimitStack = rlimitStack
    }

    enum CodingKeys: String, CodingKey {
        case thpEnabled, thpDefrag, thpUseZeroPage, thpAlignAnonymous, maxMapCount, rlimitMemlock, rlimitData, rlimitAS,
             rlimitStack, overcommit, writeback
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(thpEnabled: try c.decode(THPMode.self, forKey: .thpEnabled),
                  thpDefrag: try c.decode(THPDefrag.self, forKey: .thpDefrag),
                  thpUseZeroPage: try c.decode(Bool.self, forKey: .thpUseZeroPage),
                  thpAlignAnonymous: try c.decode(Bool.self, forKey: .thpAlignAnonymous),
                  maxMapCount: try c.decode(Int.self, forKey: .maxMapCount),
                  rlimitMemlock: try c.decode(UInt64.self, forKey: .rlimitMemlock),
                  rlimitData: try c.decode(UInt64.self, forKey: .rlimitData),
                  rlimitAS: try c.decode(UInt64.self, forKey: .rlimitAS),
                  rlimitStack: try c.decode(UInt64.self, forKey: .rlimitStack))
        overcommit = try c.decodeIfPresent(OvercommitPolicy.self, forKey: .overcommit) ?? OvercommitPolicy()
        writeback = try c.decodeIfPresent(WritebackPolicy.self, forKey: .writeback) ?? WritebackPolicy()
    }

    /// The keys `set(_:_:)` accepts.
    public static let settableKeys: [(key: String, meaning: String)] = [
        ("thp.enabled", "transparent_hugepage/enabled: always, madvise or never"),
        ("thp.defrag", "transparent_hugepage/defrag: always, defer, defer+madvise, madvise or never"),
        ("thp.use_zero_page", "map the huge zero page on THP read faults: 0 or 1"),
        ("thp.align_anonymous", "2 MiB-align anonymous mappings of ≥ 2 MiB (Linux ≥ 6.7): 0 or 1"),
        ("vm.max_map_count", "the most VMAs a process may have"),
        ("rlimit.memlock", "RLIMIT_MEMLOCK, bytes with suffix or 'unlimited'"),
        ("rlimit.data", "RLIMIT_DATA, bytes with suffix or 'unlimited'"),
        ("rlimit.as", "RLIMIT_AS, bytes with suffix or 'unlimited'"),
        ("rlimit.stack", "RLIMIT_STACK, bytes with suffix or 'unlimited'"),
    ] + OvercommitPolicy.settableKeys + WritebackPolicy.settableKeys

    /// Applies `key=value`; false when the key is not one of these.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        func limit() throws -> UInt64 {
            if value == "unlimited" || value == "infinity" { return .max }
            guard let v = MachineConfiguration.parseSize(value) else {
                throw ConfigurationError("\(key)=\(value): expected a size such as 8M, or 'unlimited'")
            }
            return v
        }
        func flag() throws -> Bool {
            switch value {
            case "1", "true", "yes": return true
            case "0", "false", "no": return false
            default: throw ConfigurationError("\(key)=\(value): expected 0 or 1")
            }
        }
        switch key {
        case "thp.enabled":
            guard let m = THPMode(rawValue: value) else { throw ConfigurationError("thp.enabled=\(value): expected always, madvise or never") }
            thpEnabled = m
        case "thp.defrag":
            guard let d = THPDefrag(rawValue: value) else {
                throw ConfigurationError("thp.defrag=\(value): expected always, defer, defer+madvise, madvise or never")
            }
            thpDefrag = d
        case "thp.use_zero_page": thpUseZeroPage = try flag()
        case "thp.align_anonymous": thpAlignAnonymous = try flag()
        case "vm.max_map_count":
            guard let v = Int(value), v > 0 else { throw ConfigurationError("vm.max_map_count=\(value): expected a positive integer") }
            maxMapCount = v
        case "rlimit.memlock": rlimitMemlock = try limit()
        case "rlimit.data": rlimitData = try limit()
        case "rlimit.as": rlimitAS = try limit()
        case "rlimit.stack": rlimitStack = try limit()
        default: return try overcommit.set(key, value) || writeback.set(key, value)
        }
        return true
    }
}
