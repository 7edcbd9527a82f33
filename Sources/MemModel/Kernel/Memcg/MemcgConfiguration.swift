import MemTrace

/// The memory cgroups a replay starts with, from `--set memcg.…` (stored in
/// `MachineConfiguration.memcg`; nil means none: every process in the root cgroup).
///
/// - `memcg.max=128M` (also `high`, `low`, `min`, `swap.max`, `oom_group`): every process of the
///   trace in one cgroup, `/memreplay`, with that setting.
/// - `memcg.<path>.<file>=V`: the named cgroup (a path such as `A/B`, created with its
///   ancestors) with that setting; `memcg.<path>.pids=1234,1240` puts those processes in it and
///   `memcg.<path>.images=redis-server,bash` the processes whose executable has that name.
///   A process matches the first named cgroup listing it; a fork child starts in its parent's
///   cgroup; the rest stay in the root (or in `/memreplay` when unnamed keys were given).
/// - `memcg.recursive_prot=1`: cgroup2's `memory_recursiveprot` mount option.
///
/// Sizes take K/M/G/T suffixes; "max" (or "unlimited") is no limit.
public struct MemcgConfiguration: GroupConfiguration, Codable, Hashable, Sendable {
    /// One configured cgroup.
    public struct Group: ConfiguredGroup, Codable, Hashable, Sendable {
        /// The path below the cgroup root ("/memreplay", "/A/B").
        public var path: String
        /// Control files set at the start, by file name (`max`, `swap.max`, `oom_group`, …): bytes,
        /// `UInt64.max` for "max", 0/1 for oom_group.
        public var settings: [String: UInt64] = [:]
        public var pids: [UInt32] = []
        public var images: [String] = []
        /// Every process of the trace that no other cgroup claims (the `/memreplay` group).
        public var everyProcess = false

        public init(path: String) { self.path = path }
    }

    public var groups: [Group] = []
    public var recursiveProtection = false

    public init() {}

    /// The path of the cgroup unnamed keys configure.
    public static let defaultPath = "/memreplay"

    public static let settableKeys: [(key: String, meaning: String)] = [
        ("memcg.max", "memory.max of one cgroup (/memreplay) holding every process: bytes with suffix, or max"),
        ("memcg.high", "memory.high of /memreplay"), ("memcg.low", "memory.low of /memreplay"),
        ("memcg.min", "memory.min of /memreplay"), ("memcg.swap.max", "memory.swap.max of /memreplay"),
        ("memcg.oom_group", "memory.oom.group of /memreplay: 0 or 1"),
        ("memcg.<path>.<max|high|low|min|swap.max|oom_group>", "that setting of the named cgroup (path like A/B)"),
        ("memcg.<path>.pids", "processes in the named cgroup: pid,pid,…"),
        ("memcg.<path>.images", "processes in the named cgroup by executable name: name,name,…"),
        ("memcg.recursive_prot", "cgroup2's memory_recursiveprot: 0 or 1"),
    ]

    /// Applies `key=value` when `key` starts with "memcg."; false otherwise.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        if key == "memcg.recursive_prot" { recursiveProtection = try MemcgConfiguration.flag(key, value); return true }
        guard let g = try GroupKey.parse(key, value, controller: "memcg", files: MemcgFile.allCases.map(\.rawValue) + ["pids", "images"],
                                         defaultPath: MemcgConfiguration.defaultPath, pathExample: "cgroup path such as A/B") else {
            guard key.hasPrefix("memcg.") else { return false }
            throw ConfigurationError("\(key)=\(value): expected memcg.[<path>.]<max|high|low|min|swap.max|oom_group|pids|images> or memcg.recursive_prot")
        }
        let i = groupIndex(g)
        if try addMembers(i, file: g.file, key: key, value: value, imageExample: "redis-server,bash") { return true }
        if g.file == "oom_group" { groups[i].settings[g.file] = try MemcgConfiguration.flag(key, value) ? 1 : 0; return true }
        if value == "max" || value == "unlimited" || value == "infinity" { groups[i].settings[g.file] = .max; return true }
        guard let v = MachineConfiguration.parseSize(value) else {
            throw ConfigurationError("\(key)=\(value): expected a size such as 128M, or max")
        }
        groups[i].settings[g.file] = v
        return true
    }

    static func flag(_ key: String, _ value: String) throws -> Bool {
        switch value {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw ConfigurationError("\(key)=\(value): expected 0 or 1")
        }
    }
}
