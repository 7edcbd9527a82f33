import MemModel
import MemReplay

/// The OOM kills of `SQLiteStore`: `oom_kills` and `oom_candidates` rows (rare; batched like every row).
extension SQLiteStore {
    public func oomKill(seq: UInt64, _ kill: OOMKill) throws {
        add(.oomKills) { k in
            k.put(seq); k.put(kill.invoker.pid.rawValue); k.put(kill.victim.pid.rawValue); k.put(text: kill.victim.name)
            k.put(kill.victimPoints); k.put(kill.totalPages)
            k.put(text: kill.constraint.name)
            if case .memcg(let path) = kill.constraint { k.put(optionalText: path) } else { k.put(optionalText: nil) }
            k.put(kill.gfp.kernelValue); k.put(Int32(kill.order))
            k.put(kill.victim.rssAnon * 4); k.put(kill.victim.rssFile * 4); k.put(kill.victim.rssShmem * 4)
            k.put(text: kill.logLines().joined(separator: "\n"))
        }
        for (candidate, points) in kill.candidates {
            add(.oomCandidates) { c in
                c.put(seq); c.put(candidate.pid.rawValue); c.put(text: candidate.name); c.put(candidate.totalVM)
                c.put(candidate.rss); c.put(candidate.rssAnon); c.put(candidate.rssFile); c.put(candidate.rssShmem)
                c.put(candidate.pageTableBytes); c.put(candidate.swapEntries); c.put(candidate.oomScoreAdj)
                c.put(optional: points)
                c.put(Int32(candidate.pid == kill.victim.pid ? 1 : 0))
            }
        }
        try flushIfFull()
    }
}
