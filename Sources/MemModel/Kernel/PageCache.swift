import MemTrace

/// The page cache: the cached pages of each file and of each shmem object.
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

    public var files: [FileID: File] = [:]
    /// Shmem objects of shared anonymous mappings: pages and the number of VMAs that map them.
    public var shmem: [UInt32: (pages: [UInt64: PageFrameNumber], vmas: Int)] = [:]
    /// The inode of a shmem object when the trace gave it (a recorded shared anonymous mapping:
    /// the kernel's `get_next_ino()` number, which /proc/PID/maps prints).
    public var shmemInodes: [UInt32: UInt64] = [:]
    public var nextShmem: UInt32 = 1

    public init() {}

    /// Dirty file pages (meminfo Dirty).
    public var dirtyPages: UInt64 { files.values.reduce(0) { $0 + UInt64($1.dirty.count) } }
}
