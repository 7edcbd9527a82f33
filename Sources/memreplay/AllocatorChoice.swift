import MemModel
import MemReplay

/// `--allocator NAME [--allocator-mode reallocate|report]`: which allocator model replaces (or
/// shadows) the trace's allocator.
struct AllocatorChoice {
    var kind: AllocatorKind
    var reallocates: Bool
    /// The name given to `--allocator`.
    var name: String = ""

    /// How the run database records the choice (`runs.user_model`): the name, `/report` in report mode.
    var stored: String { reallocates ? name : name + "/report" }

    /// The choice a run database recorded; nil for "as recorded" (an empty string).
    static func parse(stored: String) throws -> AllocatorChoice? {
        guard !stored.isEmpty else { return nil }
        let parts = stored.split(separator: "/", maxSplits: 1).map(String.init)
        return try parse(parts[0], mode: parts.count > 1 ? "report" : "reallocate")
    }

    /// nil when no allocator was asked for; a usage error naming what was expected otherwise.
    static func parse(_ name: String?, mode: String) throws -> AllocatorChoice? {
        guard let name else { return nil }
        guard let kind = AllocatorKind(name: name) else {
            throw UsageFailure("--allocator \(name): expected one of " + AllocatorKind.names.map(\.name).joined(separator: ", "))
        }
        switch mode {
        case "reallocate": return AllocatorChoice(kind: kind, reallocates: true, name: name)
        case "report", "recorded": return AllocatorChoice(kind: kind, reallocates: false, name: name)
        default: throw UsageFailure("--allocator-mode \(mode): expected reallocate or report")
        }
    }

    /// CPUs the models size their arenas by (ptmalloc: up to 8 arenas per core; jemalloc: 4 per core).
    var cores = 2

    var ptmallocTunables: Ptmalloc.Tunables { var t = Ptmalloc.Tunables(); t.cores = cores; return t }
    var jemallocOptions: JemallocModel.Options { var o = JemallocModel.Options(); o.cores = cores; return o }
}

/// Something run with a concrete user-space model (generic, so the replay loop is specialised).
protocol UserModelConsumer {
    associatedtype Output
    mutating func consume<User: UserSpaceModel>(_ user: User) throws -> Output
}

extension Optional where Wrapped == AllocatorChoice {
    /// Hands `consumer` the user-space model this choice names: `RecordedHeap` for none, else the
    /// allocator model in reallocate or report mode — one concrete type per case.
    func feed<C: UserModelConsumer>(_ consumer: inout C) throws -> C.Output {
        guard let choice = self else { return try consumer.consume(RecordedHeap()) }
        let r = choice.reallocates
        switch choice.kind {
        case .ptmalloc: return try consumer.consume(ModeledHeap(reallocates: r) { Ptmalloc(layout: $0, tunables: choice.ptmallocTunables) })
        case .jemalloc: return try consumer.consume(ModeledHeap(reallocates: r) { JemallocModel(layout: $0, options: choice.jemallocOptions) })
        case .fit(let list, let fit): return try consumer.consume(ModeledHeap(reallocates: r) { FitAllocator(list: list, fit: fit, layout: $0) })
        case .buddy: return try consumer.consume(ModeledHeap(reallocates: r) { BuddyAllocator(layout: $0) })
        }
    }
}
