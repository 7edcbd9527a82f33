import MemTrace

/// One process in the kernel model: its mm (VMAs, page table, counters) and threads.
///
/// A reference type for the fault path's speed, owned by one `LinuxKernel`: a kernel that finds
/// itself copied clones its processes before its first change (`LinuxKernel.ensureUniqueState`),
/// so copies of a kernel never share one. Outside the kernel model every property is read-only.
/// The properties every access or fault reads or writes are `@exclusivity(unchecked)`: only the
/// kernel model's thread touches them, one call at a time, and the dynamic check of a class's
/// stored property cost a `swift_beginAccess` per access (docs/performance.md).
public final class ProcessState {
    public let pid: ProcessID
    public internal(set) var parent: ProcessID
    public internal(set) var image: String
    public internal(set) var threads: Set<ThreadID> = []
    @exclusivity(unchecked) public internal(set) var space = AddressSpace()
    @exclusivity(unchecked) public internal(set) var table: PageTable
    /// MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES (pages).
    @exclusivity(unchecked) public internal(set) var rssAnon: UInt64 = 0
    @exclusivity(unchecked) public internal(set) var rssFile: UInt64 = 0
    @exclusivity(unchecked) public internal(set) var rssShmem: UInt64 = 0
    /// Highest RSS seen (VmHWM) and highest total_vm (VmPeak), pages.
    @exclusivity(unchecked) public internal(set) var hiwaterRSS: UInt64 = 0
    @exclusivity(unchecked) public internal(set) var hiwaterVM: UInt64 = 0
    /// start_brk and brk; 0 until known.
    public internal(set) var startBrk: UInt64 = 0
    public internal(set) var brk: UInt64 = 0
    public internal(set) var mmapBase: UInt64
    @exclusivity(unchecked) public internal(set) var alive = true
    public internal(set) var exitStatus: Int32 = 0
    public internal(set) var oomScoreAdj: Int32 = 0

    public init(pid: ProcessID, parent: ProcessID, image: String, pgd: PageFrameNumber, mmapBase: UInt64) {
        self.pid = pid; self.parent = parent; self.image = image
        self.table = PageTable(pgd: pgd); self.mmapBase = mmapBase
    }

    /// A deep copy: the same mm, threads and counters in a new object (every stored property is a value).
    func copy() -> ProcessState {
        let c = ProcessState(pid: pid, parent: parent, image: image, pgd: table.pgd, mmapBase: mmapBase)
        c.threads = threads; c.space = space; c.table = table
        c.rssAnon = rssAnon; c.rssFile = rssFile; c.rssShmem = rssShmem
        c.hiwaterRSS = hiwaterRSS; c.hiwaterVM = hiwaterVM
        c.startBrk = startBrk; c.brk = brk
        c.alive = alive; c.exitStatus = exitStatus; c.oomScoreAdj = oomScoreAdj
        return c
    }

    /// VmRSS in pages.
    @inlinable public var rss: UInt64 { rssAnon + rssFile + rssShmem }

    /// Updates the high-water marks after RSS or VM grew.
    @inline(__always) func noteGrowth() {
        let r = rss
        if r > hiwaterRSS { hiwaterRSS = r }
    }
}
