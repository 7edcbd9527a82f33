import MemModel

/// `--allocator NAME [--allocator-mode reallocate|report]`: which allocator model replaces (or
/// shadows) the trace's allocator.
struct AllocatorChoice {
    var kind: AllocatorKind
    var reallocates: Bool

    /// nil when no allocator was asked for; a usage error naming what was expected otherwise.
    static func parse(_ name: String?, mode: String) throws -> AllocatorChoice? {
        guard let name else { return nil }
        guard let kind = AllocatorKind(name: name) else {
            throw UsageFailure("--allocator \(name): expected one of " + AllocatorKind.names.map(\.name).joined(separator: ", "))
        }
        switch mode {
        case "reallocate": return AllocatorChoice(kind: kind, reallocates: true)
        case "report", "recorded": return AllocatorChoice(kind: kind, reallocates: false)
        default: throw UsageFailure("--allocator-mode \(mode): expected reallocate or report")
        }
    }

    /// CPUs the models size their arenas by (ptmalloc: up to 8 arenas per core; jemalloc: 4 per core).
    var cores = 2

    var ptmallocTunables: Ptmalloc.Tunables { var t = Ptmalloc.Tunables(); t.cores = cores; return t }
    var jemallocOptions: JemallocModel.Options { var o = JemallocModel.Options(); o.cores = cores; return o }
}
