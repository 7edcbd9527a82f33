/// The per-cgroup series a run records in its counter snapshots (`memcg.<path>.<field>`), so the
/// cgroup views (`memory.current`, `memory.events`, …) and SQL see each cgroup at any snapshot.
/// Recorded for the cgroups configured at boot (`MemcgTree.configuredCount`), so the names are
/// fixed for a run; a run without cgroups records none.
public enum MemcgCounter {
    /// The counter name's cgroup part: the path without its leading slash ("memreplay", "A/B").
    public static func name(_ path: String) -> String { String(path.drop { $0 == "/" }) }

    /// The series of cgroup `id` at `path`.
    public static func counters(id: Int, path: String) -> [KernelCounter] {
        let n = "memcg." + name(path) + "."
        @Sendable func group(_ k: LinuxKernel) -> MemoryCgroup { k.memcg.groups[id] }
        @Sendable func lru(_ k: LinuxKernel, _ lists: [LRUList]) -> Int64 {
            let nodes = k.frames.nodeZones.count
            return Int64((0..<nodes).reduce(UInt64(0)) { s, node in lists.reduce(s) { $0 + k.frames.lruPages(id * nodes + node, $1) } } * 4)
        }
        return [
            KernelCounter(n + "current", .kB, "memory.current in kB (`page_counter_read`).") { Int64(group($0).usage * 4) },
            KernelCounter(n + "peak", .kB, "memory.peak in kB (the page counter's watermark).") { Int64(group($0).peak * 4) },
            KernelCounter(n + "max", .kB, "memory.max in kB (−1: max).") { group($0).max == MemoryCgroup.unlimited ? -1 : Int64(group($0).max * 4) },
            KernelCounter(n + "failcnt", .events, "Charges refused at this cgroup's limit (v1 memory.failcnt).") { Int64(group($0).failcnt) },
            KernelCounter(n + "events.low", .events, "memory.events low.") { Int64(group($0).events.low) },
            KernelCounter(n + "events.high", .events, "memory.events high.") { Int64(group($0).events.high) },
            KernelCounter(n + "events.max", .events, "memory.events max.") { Int64(group($0).events.max) },
            KernelCounter(n + "events.oom", .events, "memory.events oom.") { Int64(group($0).events.oom) },
            KernelCounter(n + "events.oom_kill", .events, "memory.events oom_kill.") { Int64(group($0).events.oomKill) },
            KernelCounter(n + "events.oom_group_kill", .events, "memory.events oom_group_kill.") { Int64(group($0).events.oomGroupKill) },
            KernelCounter(n + "anon_lru", .kB, "kB on the cgroup's own anon LRU lists (inactive + active).") { lru($0, [.inactiveAnon, .activeAnon]) },
            KernelCounter(n + "file_lru", .kB, "kB on the cgroup's own file LRU lists (inactive + active).") { lru($0, [.inactiveFile, .activeFile]) },
            KernelCounter(n + "pgscan", .events, "Pages scanned in the cgroup's own lruvecs.") { Int64(group($0).counts.pgscan) },
            KernelCounter(n + "pgsteal", .events, "Pages reclaimed from the cgroup's own lruvecs.") { Int64(group($0).counts.pgsteal) },
        ]
    }
}
