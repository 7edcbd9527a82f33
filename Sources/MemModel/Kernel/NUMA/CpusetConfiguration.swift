import MemTrace

/// The cpusets a replay starts with, from `--set cpuset.…` (stored in
/// `MachineConfiguration.cpuset`; nil means none: every process in the root cpuset, which allows
/// every node).
///
/// - `cpuset.mems=0`: every process of the trace in one cpuset, `/memreplay`, whose memory nodes
///   are that list (`0`, `0-1`, `0,2`).
/// - `cpuset.<path>.mems=1`: the named cpuset (a path such as `ltp` or `A/B`) with those nodes;
///   `cpuset.<path>.pids=1234,1240` and `cpuset.<path>.images=oom04` put processes in it.
///   A process matches the first cpuset listing it; a fork child starts in its parent's.
public struct CpusetConfiguration: GroupConfiguration, Codable, Hashable, Sendable {
    /// One configured cpuset.
    public struct Group: ConfiguredGroup, Codable, Hashable, Sendable {
        public var path: String
        /// cpuset.mems as bits (node n: bit n); nil until set (then every memory node).
        public var mems: UInt64?
        public var pids: [UInt32] = []
        public var images: [String] = []
        public var everyProcess = false
        public init(path: String) { self.path = path }
    }

    public var groups: [Group] = []
    public init() {}

    public static let defaultPath = "/memreplay"

    public static let settableKeys: [(key: String, meaning: String)] = [
        ("cpuset.mems", "cpuset.mems of one cpuset (/memreplay) holding every process: a node list such as 0 or 0-1"),
        ("cpuset.<path>.mems", "cpuset.mems of the named cpuset (path like ltp or A/B)"),
        ("cpuset.<path>.pids", "processes in the named cpuset: pid,pid,…"),
        ("cpuset.<path>.images", "processes in the named cpuset by executable name: name,name,…"),
    ]

    /// Applies `key=value` when `key` starts with "cpuset."; false otherwise.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        guard let g = try GroupKey.parse(key, value, controller: "cpuset", files: ["mems", "pids", "images"],
                                         defaultPath: CpusetConfiguration.defaultPath, pathExample: "cpuset path such as ltp or A/B") else {
            guard key.hasPrefix("cpuset.") else { return false }
            throw ConfigurationError("\(key)=\(value): expected cpuset.[<path>.]<mems|pids|images>")
        }
        let i = groupIndex(g)
        if try addMembers(i, file: g.file, key: key, value: value, imageExample: "oom04,bash") { return true }
        guard let mask = NodeMask(list: value), !mask.isEmpty else {
            throw ConfigurationError("\(key)=\(value): expected a node list such as 0, 0-1 or 0,2")
        }
        groups[i].mems = mask.bits
        return true
    }
}
