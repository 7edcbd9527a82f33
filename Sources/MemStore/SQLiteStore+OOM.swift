import MemModel
import MemReplay

/// The OOM kills of `SQLiteStore`: `oom_kills` and `oom_candidates` rows (rare: statements
/// prepared per kill).
extension SQLiteStore {
    public func oomKill(seq: UInt64, _ kill: OOMKill) throws {
        let k = try db.prepare(StoreSchema.insertOOMKill)
        defer { k.finalize() }
        k.bind(1, seq); k.bind(2, kill.invoker.pid.rawValue); k.bind(3, kill.victim.pid.rawValue); k.bind(4, kill.victim.name)
        k.bind(5, kill.victimPoints); k.bind(6, kill.totalPages)
        k.bind(7, kill.constraint.name)
        if case .memcg(let path) = kill.constraint { k.bind(8, path) } else { k.bindNull(8) }
        k.bind(9, kill.gfp.kernelValue); k.bind(10, Int32(kill.order))
        k.bind(11, kill.victim.rssAnon * 4); k.bind(12, kill.victim.rssFile * 4); k.bind(13, kill.victim.rssShmem * 4)
        k.bind(14, kill.logLines().joined(separator: "\n"))
        try check(k.execute(), "oom_kills")
        let c = try db.prepare(StoreSchema.insertOOMCandidate)
        defer { c.finalize() }
        for (candidate, points) in kill.candidates {
            c.bind(1, seq); c.bind(2, candidate.pid.rawValue); c.bind(3, candidate.name); c.bind(4, candidate.totalVM)
            c.bind(5, candidate.rss); c.bind(6, candidate.rssAnon); c.bind(7, candidate.rssFile); c.bind(8, candidate.rssShmem)
            c.bind(9, candidate.pageTableBytes); c.bind(10, candidate.swapEntries); c.bind(11, candidate.oomScoreAdj)
            if let points { c.bind(12, points) } else { c.bindNull(12) }
            c.bind(13, Int32(candidate.pid == kill.victim.pid ? 1 : 0))
            try check(c.execute(), "oom_candidates")
        }
    }
}
