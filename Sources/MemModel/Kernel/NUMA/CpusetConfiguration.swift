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
public struct CpusetConfiguration: Codable, Hashable, Sendable {
    /// One configured cpuset.
    public struct Group: Codable, Hashable, Sendable {
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
        guard key.hasPrefix("cpuset.") else { return false }
        let rest = String(key.dropFirst("cpuset.".count))
        for file in ["mems", "pids", "images"] {
            let path: String
            if rest == file { path = CpusetConfiguration.defaultPath }
            else if rest.hasSuffix("." + file) { path = String(rest.dropLast(file.count + 1)) }
            else { continue }
            guard !path.isEmpty, !path.contains(".."), path.allSatisfy({ $0 != " " && $0 != "," }) else {
                throw ConfigurationError("\(key)=\(value): expected a cpuset path such as ltp or A/B between 'cpuset.' and '.\(file)'")
            }
            let normalized = MemcgTree.normalize(path)
            if !groups.contains(where: { $0.path == normalized }) { groups.append(Group(path: normalized)) }
            let i = groups.firstIndex { $0.path == normalized }!
            if rest == file { groups[i].everyProcess = true }
            switch file {
            case "mems":
                guard let mask = NodeMask(list: value), !mask.isEmpty else {
                    throw ConfigurationError("\(key)=\(value): expected a node list such as 0, 0-1 or 0,2")
                }
                groups[i].mems = mask.bits
            case "pids":
                var pids: [UInt32] = []
                for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let p = UInt32(part), p > 0 else { throw ConfigurationError("\(key)=\(value): expected pids such as 1234,1240") }
                    pids.append(p)
                }
                groups[i].pids += pids
            default:
                let names = value.split(separator: ",").map(String.init)
                guard !names.isEmpty else { throw ConfigurationError("\(key)=\(value): expected executable names such as oom04,bash") }
                groups[i].images += names
            }
            return true
        }
        throw ConfigurationError("\(key)=\(value): expected cpuset.[<path>.]<mems|pids|images>")
    }

    /// The configured cpuset a new process with no parent in a cpuset belongs in.
    public func path(for pid: ProcessID, image: String) -> String? {
        if let g = groups.first(where: { $0.pids.contains(pid.rawValue) }) { return g.path }
        let base = image.split(separator: "/").last.map(String.init) ?? image
        if !base.isEmpty, let g = groups.first(where: { $0.images.contains(base) || $0.images.contains(OOMCandidate.comm(base)) }) {
            return g.path
        }
        return groups.first { $0.everyProcess }?.path
    }
}
