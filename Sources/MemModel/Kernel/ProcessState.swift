import MemTrace

/// One process in the kernel model: its mm (VMAs, page table, counters) and threads.
public final class ProcessState {
    public let pid: ProcessID
    public var parent: ProcessID
    public var image: String
    public var threads: Set<ThreadID> = []
    public var space = AddressSpace()
    public var table: PageTable
    /// MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES (pages).
    public var rssAnon: UInt64 = 0
    public var rssFile: UInt64 = 0
    public var rssShmem: UInt64 = 0
    /// Highest RSS seen (VmHWM) and highest total_vm (VmPeak), pages.
    public var hiwaterRSS: UInt64 = 0
    public var hiwaterVM: UInt64 = 0
    /// start_brk and brk; 0 until known.
    public var startBrk: UInt64 = 0
    public var brk: UInt64 = 0
    public var mmapBase: UInt64
    public var alive = true
    public var exitStatus: Int32 = 0
    public var oomScoreAdj: Int32 = 0

    public init(pid: ProcessID, parent: ProcessID, image: String, pgd: PageFrameNumber, mmapBase: UInt64) {
        self.pid = pid; self.parent = parent; self.image = image
        self.table = PageTable(pgd: pgd); self.mmapBase = mmapBase
    }

    /// VmRSS in pages.
    @inlinable public var rss: UInt64 { rssAnon + rssFile + rssShmem }

    /// Updates the high-water marks after RSS or VM grew.
    @inlinable public func noteGrowth() {
        let r = rss
        if r > hiwaterRSS { hiwaterRSS = r }
    }
}
