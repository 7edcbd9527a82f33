import MemTrace

/// One task as the OOM killer sees it: the mm counters `oom_badness` and `dump_task` read.
public struct OOMCandidate: Hashable, Sendable {
    public var pid: ProcessID
    public var uid: UInt32
    /// The task's comm (the executable's base name, at most 15 bytes as TASK_COMM_LEN allows).
    public var name: String
    /// total_vm, pages.
    public var totalVM: UInt64
    /// MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS (pages).
    public var rssAnon: UInt64
    public var rssFile: UInt64
    public var rssShmem: UInt64
    public var swapEntries: UInt64
    /// mm_pgtables_bytes: the page-table pages below the PGD, in bytes.
    public var pageTableBytes: UInt64
    public var oomScoreAdj: Int32
    /// False for init (pid 1) and tasks without an mm (`oom_unkillable_task`, `find_lock_task_mm`).
    public var isKillable: Bool

    public init(pid: ProcessID, uid: UInt32 = 0, name: String, totalVM: UInt64, rssAnon: UInt64, rssFile: UInt64,
                rssShmem: UInt64, swapEntries: UInt64 = 0, pageTableBytes: UInt64, oomScoreAdj: Int32, isKillable: Bool = true) {
        self.pid = pid; self.uid = uid; self.name = OOMCandidate.comm(name); self.totalVM = totalVM
        self.rssAnon = rssAnon; self.rssFile = rssFile; self.rssShmem = rssShmem; self.swapEntries = swapEntries
        self.pageTableBytes = pageTableBytes; self.oomScoreAdj = oomScoreAdj; self.isKillable = isKillable
    }

    /// get_mm_rss: anon + file + shmem pages.
    public var rss: UInt64 { rssAnon + rssFile + rssShmem }

    /// A task's comm from an executable path: its last component cut to TASK_COMM_LEN − 1 = 15 bytes
    /// (`__set_task_comm` at exec).
    public static func comm(_ path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return String(decoding: base.utf8.prefix(15), as: UTF8.self)
    }
}
