import MemTrace
import MemModel

/// The memory cgroup files of one cgroup (`--cgroup PATH`; default the configured `/memreplay`,
/// else the first configured cgroup), in cgroup v2's names and in the v1 names of hosts with the
/// legacy hierarchy, as mm/memcontrol.c prints them (Linux 6.1).
public struct MemcgView: ProcView {
    /// What the file shows.
    public enum File: String, CaseIterable, Sendable {
        case current = "memory.current", max = "memory.max", high = "memory.high", low = "memory.low", min = "memory.min"
        case peak = "memory.peak", swapMax = "memory.swap.max", oomGroup = "memory.oom.group"
        case swapCurrent = "memory.swap.current", swapEvents = "memory.swap.events"
        case events = "memory.events", eventsLocal = "memory.events.local", stat = "memory.stat"
        case usage = "memory.usage_in_bytes", limit = "memory.limit_in_bytes", maxUsage = "memory.max_usage_in_bytes"
        case failcnt = "memory.failcnt", oomControl = "memory.oom_control", statV1 = "memory.stat.v1"
    }

    public let file: File
    public init(_ file: File) { self.file = file }
    public var name: String { file.rawValue }
    public var summary: String {
        switch file {
        case .statV1: "cgroup v1 memory.stat of --cgroup (local values, then total_*)"
        case .usage, .limit, .maxUsage, .failcnt, .oomControl: "cgroup v1 \(file.rawValue) of --cgroup"
        default: "cgroup v2 \(file.rawValue) of --cgroup"
        }
    }

    /// The cgroup a view shows: `path` when given (an error naming the cgroups when it does not
    /// exist), else /memreplay, else the first non-root cgroup.
    public static func cgroup(_ c: ProcViewContext) throws -> MemoryCgroup {
        let tree = c.kernel.memcg
        if let path = c.cgroup {
            guard let id = tree.id(of: path) else {
                throw ProcViewError("no cgroup '\(path)'; cgroups: " + tree.groups.map(\.path).joined(separator: ", "))
            }
            return tree.groups[id]
        }
        if let id = tree.id(of: MemcgConfiguration.defaultPath) { return tree.groups[id] }
        guard tree.groups.count > 1 else { throw ProcViewError("the run has no memory cgroups (replay with --set memcg.max=…)") }
        return tree.groups[1]
    }

    /// "max" for no limit, else bytes (`memory_max_show`, `seq_puts_memcg_tunable`).
    static func tunable(_ pages: UInt64) -> String { pages == MemoryCgroup.unlimited ? "max" : String(pages * Page.size) }

    public func render(_ c: ProcViewContext) throws -> String {
        let g = try MemcgView.cgroup(c)
        let k = c.kernel
        switch file {
        case .current, .usage: return "\(g.usage * Page.size)\n"
        case .max: return MemcgView.tunable(g.max) + "\n"
        case .high: return MemcgView.tunable(g.high) + "\n"
        case .low: return MemcgView.tunable(g.low) + "\n"
        case .min: return MemcgView.tunable(g.min) + "\n"
        case .swapMax: return MemcgView.tunable(g.swapMax) + "\n"
        case .swapCurrent: return "\(k.swapCurrent(g.id) * Page.size)\n"
        // `swap_events_show`: high (the model has no memory.swap.high: 0), max, fail.
        case .swapEvents: return "high 0\nmax \(g.swapEventsMax)\nfail \(g.swapEventsFail)\n"
        case .peak, .maxUsage: return "\(g.peak * Page.size)\n"
        case .oomGroup: return (g.oomGroup ? "1" : "0") + "\n"
        case .events: return g.events.fields.map { "\($0.0) \($0.1)\n" }.joined()
        case .eventsLocal: return g.localEvents.fields.map { "\($0.0) \($0.1)\n" }.joined()
        case .stat: return k.memcgStat(g.id).map { "\($0.0) \($0.1)\n" }.joined()
        case .statV1: return k.memcgStatV1(g.id).map { "\($0.0) \($0.1)\n" }.joined()
        // v1 prints PAGE_COUNTER_MAX · PAGE_SIZE for no limit (`mem_cgroup_read_u64`).
        case .limit: return "\(g.max * Page.size)\n"
        case .failcnt: return "\(g.failcnt)\n"
        // `mem_cgroup_oom_control_read`: oom_kill_disable, under_oom, oom_kill.
        case .oomControl: return "oom_kill_disable 0\nunder_oom 0\noom_kill \(g.localEvents.oomKill)\n"
        }
    }
}
