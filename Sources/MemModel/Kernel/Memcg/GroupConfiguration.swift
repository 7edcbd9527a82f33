import MemTrace

/// One configured control group (a memory cgroup or a cpuset) and the processes it claims.
public protocol ConfiguredGroup {
    /// The path below the controller's root ("/memreplay", "/A/B").
    var path: String { get }
    var pids: [UInt32] { get set }
    var images: [String] { get set }
    /// Every process of the trace that no other group claims (the `/memreplay` group).
    var everyProcess: Bool { get set }
    init(path: String)
}

/// The groups of one controller configured by `--set <controller>.[<path>.]<file>=V` keys: the
/// key syntax, the membership lists (`pids`, `images`) and which group a new process joins,
/// shared by `MemcgConfiguration` and `CpusetConfiguration`.
public protocol GroupConfiguration {
    associatedtype Group: ConfiguredGroup
    var groups: [Group] { get set }
}

/// A `--set` key split into the group it names and the control file it sets.
struct GroupKey {
    var path: String
    var file: String
    /// The key named no path: the setting is the catch-all `/memreplay` group's.
    var everyProcess: Bool

    /// Splits `<controller>.[<path>.]<file>` for one of `files`; nil when `key` is not the
    /// controller's, an error naming the key when the path between the two is malformed.
    ///
    /// The longest file name that ends the key wins, so `memcg.A.swap.max` sets `swap.max` of
    /// `/A`, not `max` of `/A.swap`.
    static func parse(_ key: String, _ value: String, controller: String, files: [String],
                      defaultPath: String, pathExample: String) throws -> GroupKey? {
        let prefix = controller + "."
        guard key.hasPrefix(prefix) else { return nil }
        let rest = String(key.dropFirst(prefix.count))
        for file in files.sorted(by: { $0.count > $1.count }) {
            let path: String
            if rest == file { path = defaultPath }
            else if rest.hasSuffix("." + file) { path = String(rest.dropLast(file.count + 1)) }
            else { continue }
            guard !path.isEmpty, !path.contains(".."), path.allSatisfy({ $0 != " " && $0 != "," }) else {
                throw ConfigurationError("\(key)=\(value): expected a \(pathExample) between '\(prefix)' and '.\(file)'")
            }
            return GroupKey(path: MemcgTree.normalize(path), file: file, everyProcess: rest == file)
        }
        return nil
    }
}

extension GroupConfiguration {
    /// The index of the group at `path`, created when new; marks it the catch-all when asked.
    mutating func groupIndex(_ key: GroupKey) -> Int {
        if !groups.contains(where: { $0.path == key.path }) { groups.append(Group(path: key.path)) }
        let i = groups.firstIndex { $0.path == key.path }!
        if key.everyProcess { groups[i].everyProcess = true }
        return i
    }

    /// Applies a `pids` or `images` list to group `i`; false for any other file.
    mutating func addMembers(_ i: Int, file: String, key: String, value: String, imageExample: String) throws -> Bool {
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
            guard !names.isEmpty else { throw ConfigurationError("\(key)=\(value): expected executable names such as \(imageExample)") }
            groups[i].images += names
        default:
            return false
        }
        return true
    }

    /// The configured group a new process with no parent in a group belongs in: the first that
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
