import MemTrace

/// Shmem objects: the pages behind shared anonymous mappings (`shmem_zero_setup`, mm/shmem.c),
/// by page index, and the count of VMAs that map each.
extension PageCache {
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
    public mutating func unmapped(_ backing: VMABacking) -> (frames: [PageFrameNumber], swapped: [SwapEntry]) {
        guard case .shmem(let o) = backing, var object = shmem[o] else { return ([], []) }
        object.mappings -= 1
        guard object.mappings <= 0 else { shmem[o] = object; return ([], []) }
        shmem[o] = nil
        return (object.pages.values.sorted(), object.swapped.keys.sorted().map { object.swapped[$0]! })
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
}
