/// Finds the separate debuginfo file of an object: by build-id under the debug roots, then by
/// `.gnu_debuglink` next to the object, in its `.debug/` and under the debug roots.
public struct DebugInfoLocator: Sendable {
    /// Where debuginfo packages install (`/usr/lib/debug` on Debian).
    public var roots: [String]

    public init(roots: [String] = ["/usr/lib/debug"]) { self.roots = roots }

    /// The outcome of a search: the file found, and how many candidates were rejected.
    public struct Result {
        public var file: ELFFile?
        /// Candidates that existed but whose build-id (or debuglink CRC) did not match.
        public var mismatched: [String] = []
    }

    /// Paths tried by build-id, in order.
    public func buildIDPaths(_ id: BuildID) -> [String] {
        let hex = id.hex
        guard hex.count > 2 else { return [] }
        return roots.map { "\($0)/.build-id/\(hex.prefix(2))/\(hex.dropFirst(2)).debug" }
    }

    /// Paths tried by debuglink name for an object at `path`, in order.
    public func debugLinkPaths(name: String, objectPath: String) -> [String] {
        let dir = objectPath.contains("/") ? String(objectPath[..<objectPath.lastIndex(of: "/")!]) : "."
        return ["\(dir)/\(name)", "\(dir)/.debug/\(name)"] + roots.map { "\($0)\(dir.hasPrefix("/") ? "" : "/")\(dir)/\(name)" }
    }

    public func locate(for elf: ELFFile) -> Result {
        var result = Result()
        if let id = elf.buildID {
            for path in buildIDPaths(id) {
                guard let candidate = try? ELFFile(path: path) else { continue }
                if candidate.buildID == id { result.file = candidate; return result }
                result.mismatched.append(path)
            }
        }
        if let link = elf.debugLink {
            for path in debugLinkPaths(name: link.name, objectPath: elf.path) where path != elf.path {
                guard let candidate = try? ELFFile(path: path) else { continue }
                let idMatches = elf.buildID == nil || candidate.buildID == nil || candidate.buildID == elf.buildID
                if idMatches && candidate.crc32OfFile() == link.crc { result.file = candidate; return result }
                result.mismatched.append(path)
            }
        }
        return result
    }
}
