import MemTrace

/// The page cache: the cached pages of each file, and the shmem objects of shared anonymous
/// mappings with the count of VMAs that map each.
///
/// The shmem objects are the subsystem's own state: a VMA that comes or goes over a shmem object
/// says so (`mapped(_:)`, `unmapped(_:)`), and the object with its pages goes with its last VMA,
/// as the shmem file of `shmem_zero_setup` (mm/shmem.c) is released with its last reference
/// (`fput` from `remove_vma`, mm/mmap.c). `LinuxKernel.invariantViolations()` checks the counts
/// against the VMAs of every process.
public struct PageCache: Sendable {
    /// A file the trace opened.
    public struct File: Sendable {
        public var path: String
        public var size: UInt64
        public var pages: [UInt64: PageFrameNumber] = [:]
        public var dirty: Set<UInt64> = []
        public var unlinked = false
        /// tmpfs files (/dev/shm, /run/shm, /tmp on tmpfs) keep their pages in shmem.
        public var isTmpfs: Bool
        /// Device and inode as /proc/PID/maps prints them, when the trace declared them (the
        /// `open` event's identity, or the initial region's device and inode); nil otherwise.
        public var identity: FileIdentity? = nil
    }

    /// A shmem object: its pages by page offset and the VMAs that map it.
    public struct ShmemObject: Sendable {
        public fileprivate(set) var pages: [UInt64: PageFrameNumber] = [:]
        /// VMAs (of every process) that map the object.
        public fileprivate(set) var mappings = 0
        /// The inode the trace gave (a recorded shared anonymous mapping: the kernel's
        /// `get_next_ino()` number, which /proc/PID/maps prints); nil for the model's own.
        public let inode: UInt64?
        /// Pages `shmem_acct_size` charged to Committed_AS for the object's size, returned when
        /// the object goes; 0 for a VM_NORESERVE object, whose pages are charged one by one.
        public let reserved: UInt64
    }

    public var files: [FileID: File] = [:]
    /// The shmem objects, by the model's number.
    public private(set) var shmem: [UInt32: ShmemObject] = [:]
    private var nextShmem: UInt32 = 1

    public init() {}

    /// Dirty file pages (meminfo Dirty).
    public var dirtyPages: UInt64 { files.values.reduce(0) { $0 + UInt64($1.dirty.count) } }

    // MARK: Shmem objects

    /// A new, empty shmem object (`shmem_zero_setup`), mapped by no VMA yet: the caller inserts
    /// the VMA, which counts it (`mapped(_:)`). `reserved`: the pages charged for its size.
    public mutating func createShmem(inode: UInt64? = nil, reserved: UInt64 = 0) -> VMABacking {
        let object = nextShmem
        nextShmem += 1
        shmem[object] = ShmemObject(inode: inode, reserved: reserved)
        return .shmem(object)
    }

    /// A VMA over `backing` appeared (inserted, split off, copied at fork); nothing for other backings.
    public mutating func mapped(_ backing: VMABacking) {
        if case .shmem(let o) = backing { shmem[o]?.mappings += 1 }
    }

    /// A VMA over `backing` went away (unmapped, merged into its neighbour). Returns the frames of
    /// a shmem object whose last VMA it was (the object is gone; the caller frees them), in order.
    public mutating func unmapped(_ backing: VMABacking) -> [PageFrameNumber] {
        guard case .shmem(let o) = backing, var object = shmem[o] else { return [] }
        object.mappings -= 1
        guard object.mappings <= 0 else { shmem[o] = object; return [] }
        shmem[o] = nil
        return object.pages.values.sorted()
    }

    /// The frame holding page `index` of shmem object `object`.
    @inlinable public func shmemPage(_ object: UInt32, _ index: UInt64) -> PageFrameNumber? {
        shmem[object]?.pages[index]
    }

    /// Puts `frame` in the cache as page `index` of `object` (a shmem fault's new page).
    public mutating func insertShmemPage(_ object: UInt32, _ index: UInt64, _ frame: PageFrameNumber) {
        shmem[object]?.pages[index] = frame
    }

    /// The inode /proc/PID/maps prints for `object`: the trace's, else the model's number.
    public func shmemInode(_ object: UInt32) -> UInt64 { shmem[object]?.inode ?? UInt64(object) }

    /// Pages in every shmem object.
    public var shmemPages: UInt64 { shmem.values.reduce(0) { $0 + UInt64($1.pages.count) } }

    /// Compaction moved frames: every cached page follows its frame to the new one.
    public mutating func migrate(_ forward: [PageFrameNumber: PageFrameNumber]) {
        for id in files.keys.sorted() {
            for (off, f) in files[id]!.pages { if let to = forward[f] { files[id]!.pages[off] = to } }
        }
        for id in shmem.keys.sorted() {
            for (off, f) in shmem[id]!.pages { if let to = forward[f] { shmem[id]!.pages[off] = to } }
        }
    }

    /// Test hook: miscounts `object`'s VMAs by `delta`, so tests can show the checker catches it.
    mutating func miscountMappings(of object: UInt32, by delta: Int) { shmem[object]?.mappings += delta }

    /// The subsystem's own invariants: a file's dirty pages are cached pages, and no shmem object
    /// is left without a VMA. (The counts against the VMAs are `LinuxKernel`'s check.)
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        for id in files.keys.sorted() {
            let f = files[id]!
            let stray = f.dirty.filter { f.pages[$0] == nil }.count
            if stray > 0 { problems.append("file \(f.path): \(stray) dirty pages not in the page cache") }
        }
        for o in shmem.keys.sorted() where shmem[o]!.mappings <= 0 {
            problems.append("shmem object \(o) outlives its last VMA")
        }
        return problems
    }
}
