import MemTrace

/// What a memory cgroup's memory.stat shows, from the frames charged to it (`memcg_page_state`,
/// `memcg_events`), for cgroup v2 (`memory_stat_format`) and v1 (`memcg1_stat_format`).
public struct MemcgPageState: Hashable, Sendable {
    /// Pages by kind: anonymous (THP pages included), file (shmem included, as NR_FILE_PAGES),
    /// shmem, mapped file/shmem pages, dirty file pages, anonymous THP pages.
    public var anon: UInt64 = 0
    public var file: UInt64 = 0
    public var shmem: UInt64 = 0
    public var fileMapped: UInt64 = 0
    public var fileDirty: UInt64 = 0
    public var anonTHP: UInt64 = 0
    /// Pages on each LRU list of the cgroups' lruvecs.
    public var lru: [LRUList: UInt64] = [:]
    public var events = MemcgEventCounts()

    public init() {}
}

extension LinuxKernel {
    /// The page state of the cgroups `ids` (one cgroup for a v1 local value, a subtree for v2
    /// and the v1 total_* values): a walk over the frames charged to them and their lruvecs.
    public func memcgPageState(_ ids: [Int]) -> MemcgPageState {
        var s = MemcgPageState()
        let set = Set(ids)
        let nodes = frames.nodeZones.count
        for g in ids {
            for n in 0..<nodes { for l in LRUList.allCases { s.lru[l, default: 0] += frames.lruPages(g * nodes + n, l) } }
            s.events = s.events + memcg.groups[g].counts
        }
        for i in 0..<Int(frames.endPFN) {
            let f = PageFrameNumber(UInt64(i))
            let g = frames.memcgOf(f)
            guard g != MemcgTree.root, set.contains(g) else { continue }      // the root is never charged
            switch frames.useOf(f) {
            case .anonymous: s.anon += 1
            case .anonHuge: s.anon += 1; s.anonTHP += 1
            case .shmem:
                s.shmem += 1; s.file += 1
                if frames.mapCountOf(f) > 0 { s.fileMapped += 1 }
            case .file:
                s.file += 1
                if frames.mapCountOf(f) > 0 { s.fileMapped += 1 }
                let o = frames.ownerOf(f)
                if o.kind == .file && cache.isDirty(FileID(o.id), o.index) { s.fileDirty += 1 }
            default: break
            }
        }
        return s
    }

    /// cgroup v2 memory.stat of cgroup `id` (its subtree), as `memory_stat_format` prints it in
    /// Linux 6.1: the entries the model keeps, in the kernel's order, sizes in bytes, events as counts.
    public func memcgStat(_ id: Int) -> [(String, UInt64)] {
        let s = memcgPageState(memcg.subtree(id))
        let b = Page.size
        let e = s.events
        return [("anon", s.anon * b), ("file", s.file * b), ("shmem", s.shmem * b),
                ("file_mapped", s.fileMapped * b), ("file_dirty", s.fileDirty * b), ("anon_thp", s.anonTHP * b),
                ("inactive_anon", s.lru[.inactiveAnon, default: 0] * b), ("active_anon", s.lru[.activeAnon, default: 0] * b),
                ("inactive_file", s.lru[.inactiveFile, default: 0] * b), ("active_file", s.lru[.activeFile, default: 0] * b),
                ("unevictable", s.lru[.unevictable, default: 0] * b),
                ("pgscan", e.pgscan), ("pgsteal", e.pgsteal), ("pgfault", e.pgfault), ("pgmajfault", e.pgmajfault),
                ("pgrefill", e.pgrefill), ("pgdeactivate", e.pgdeactivate), ("thp_fault_alloc", e.thpFaultAlloc)]
    }

    /// cgroup v1 memory.stat of cgroup `id` (`memcg1_stat_format`): its own values, the
    /// hierarchical limit, then total_* over its subtree.
    public func memcgStatV1(_ id: Int) -> [(String, UInt64)] {
        func fields(_ s: MemcgPageState) -> [(String, UInt64)] {
            let b = Page.size
            return [("cache", s.file * b), ("rss", (s.anon) * b), ("rss_huge", s.anonTHP * b), ("shmem", s.shmem * b),
                    ("mapped_file", s.fileMapped * b), ("dirty", s.fileDirty * b), ("pgpgin", s.events.pgpgin),
                    ("pgpgout", s.events.pgpgout), ("pgfault", s.events.pgfault), ("pgmajfault", s.events.pgmajfault),
                    ("inactive_anon", s.lru[.inactiveAnon, default: 0] * b), ("active_anon", s.lru[.activeAnon, default: 0] * b),
                    ("inactive_file", s.lru[.inactiveFile, default: 0] * b), ("active_file", s.lru[.activeFile, default: 0] * b),
                    ("unevictable", s.lru[.unevictable, default: 0] * b)]
        }
        let limit = memcg.ancestry(id).map { memcg.groups[$0].max }.min() ?? MemoryCgroup.unlimited
        return fields(memcgPageState([id])) + [("hierarchical_memory_limit", limit * Page.size)]
            + fields(memcgPageState(memcg.subtree(id))).map { ("total_" + $0.0, $0.1) }
    }

    /// Pages charged to each cgroup by the frames that say so (for the invariant checker).
    func framesChargedPerMemcg() -> [Int: UInt64] {
        var out: [Int: UInt64] = [:]
        for i in 0..<Int(frames.endPFN) {
            let g = frames.memcgOf(PageFrameNumber(UInt64(i)))
            if g != MemcgTree.root { out[g, default: 0] += 1 }
        }
        return out
    }
}
