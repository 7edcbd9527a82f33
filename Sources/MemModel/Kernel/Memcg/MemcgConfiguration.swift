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
public struct MemcgConfiguration: Codable, Hashable, Sendable {
    /// One configured cgroup.
    public struct Group: Codable, Hashable, Sendable {
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
        guard key.hasPrefix("memcg.") else { return false }
        let rest = String(key.dropFirst("memcg.".count))
        if rest == "recursive_prot" { recursiveProtection = try MemcgConfiguration.flag(key, value); return true }
        for file in MemcgFile.allCases.map(\.rawValue) + ["pids", "images"] {
            let path: String
            if rest == file { path = MemcgConfiguration.defaultPath }
            else if rest.hasSuffix("." + file) { path = String(rest.dropLast(file.count + 1)) }
            else { continue }
            guard !path.isEmpty, !path.contains(".."), path.allSatisfy({ $0 != " " && $0 != "," }) else {
                throw ConfigurationError("\(key)=\(value): expected a cgroup path such as A/B between 'memcg.' and '.\(file)'")
            }
            try apply(MemcgTree.normalize(path), file, key, value, everyProcess: rest == file)
            return true
        }
        throw ConfigurationError("\(key)=\(value): expected memcg.[<path>.]<max|high|low|min|swap.max|oom_group|pids|images> or memcg.recursive_prot")
    }

    mutating func apply(_ path: String, _ file: String, _ key: String, _ value: String, everyProcess: Bool) throws {
        if !groups.contains(where: { $0.path == path }) { groups.append(Group(path: path)) }
        let i = groups.firstIndex { $0.path == path }!
        if everyProcess { groups[i].everyProcess = true }
        switch file {
        case "pids":
            var pids: [UInt32] = []
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                guard let p = UInt32(part), p > 0 else { throw ConfigurationError("\(key)=\(value): expected pids such as 1234,1240") }
                pids.append(p)
            }
            groups[i].pids += pids
        case "images":
            let names = value.split(separator: ",").map(String.init)
            guard !names.isEmpty else { throw ConfigurationError("\(key)=\(value): expected executable names such as redis-server,bash") }
            groups[i].images += names
        case "oom_group":
            groups[i].settings[file] = try MemcgConfiguration.flag(key, value) ? 1 : 0
        default:
            if value == "max" || value == "unlimited" || value == "infinity" { groups[i].settings[file] = .max; break }
            guard let v = MachineConfiguration.parseSize(value) else {
                throw ConfigurationError("\(key)=\(value): expected a size such as 128M, or max")
            }
            groups[i].settings[file] = v
        }
    }

    static func flag(_ key: String, _ value: String) throws -> Bool {
        switch value {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw ConfigurationError("\(key)=\(value): expected 0 or 1")
        }
    }

    /// The configured cgroup a new process with no parent in a cgroup belongs in: the first that
    /// lists its pid, then the first that lists its executable's name, then the catch-all.
    public func path(for pid: ProcessID, image: String) -> String? {
        if let g = groups.first(where: { $0.pids.contains(pid.rawValue) }) { return g.path }
        let base = image.split(separator: "/").last.map(String.init) ?? image
        if !base.isEmpty, let g = groups.first(where: { $0.images.contains(base) || $0.images.contains(OOMCandidate.comm(base)) }) {
            return g.path
        }
        return groups.first { $0.everyProcess }?.path
    }
}
