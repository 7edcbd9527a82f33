import MemTrace

/// The page cache: the cached pages of each file, and the shmem objects of shared anonymous
/// mappings with the count of VMAs that map each.
///
/// Both are the subsystem's own state, changed only through its operations. A file's pages come
/// and go as mm/filemap.c adds and removes folios (`insertPage`, `removePage`), their dirty and
/// writeback tags as mm/page-writeback.c sets and clears them (`markDirty`, `startWriteback`,
/// `endWriteback`), with the inode's `dirtied_when`. The cache never frees a frame: an operation
/// that drops pages returns their frames, and the kernel frees them. The I/O itself (when a
/// page under writeback completes) is the writeback subsystem's (`WritebackState`).
///
/// The shmem objects: a VMA that comes or goes over a shmem object says so (`mapped(_:)`,
/// `unmapped(_:)`), and the object with its pages goes with its last VMA, as the shmem file of
/// `shmem_zero_setup` (mm/shmem.c) is released with its last reference (`fput` from `remove_vma`,
/// mm/mmap.c). `LinuxKernel.invariantViolations()` checks the counts against the VMAs of every
/// process.
public struct PageCache: Sendable {
    /// A file the trace opened: its inode's facts and its address space (cached pages, dirty tags).
    public struct File: Sendable {
        /// The path it was last opened by.
        public fileprivate(set) var path: String
        /// `i_size`, in bytes.
        public fileprivate(set) var size: UInt64
        /// The frame caching each page, by page index (the mapping's xarray, `i_pages`).
        public fileprivate(set) var pages = RadixArray<PageFrameNumber>()
        /// Indices of the cached pages tagged dirty: always a subset of `pages`' keys.
        public fileprivate(set) var dirty: Set<UInt64> = []
        /// Indices of the cached pages under writeback (PG_writeback: their I/O is in flight):
        /// always a subset of `pages`' keys. A page written again while its I/O runs is in both sets.
        public fileprivate(set) var writeback: Set<UInt64> = []
        /// The inode's `dirtied_when` (`__mark_inode_dirty`, fs/fs-writeback.c): virtual ns when
        /// the file went from clean to dirty; nil while no page is dirty.
        public fileprivate(set) var dirtiedWhen: UInt64?
        /// Shadow entries of evicted pages by index (`workingset_eviction` leaves them in the
        /// mapping's xarray where the folio was).
        public fileprivate(set) var shadows = RadixArray<ShadowEntry>()
        /// Unlinked while open or mapped: /proc/PID/maps prints " (deleted)".
        public fileprivate(set) var unlinked = false
        /// tmpfs files (/dev/shm, /run/shm, /tmp on tmpfs) keep their pages in shmem.
        public let isTmpfs: Bool
        /// Device and inode as /proc/PID/maps prints them, when the trace declared them (the
        /// `open` event's identity, or the initial region's device and inode); nil otherwise.
        public fileprivate(set) var identity: FileIdentity?
    }

    /// A shmem object: its pages by page offset and the VMAs that map it.
    public struct ShmemObject: Sendable {
        public internal(set) var pages: [UInt64: PageFrameNumber] = [:]
        /// The object's pages that live in swap (`shmem_writepage` left a swap entry in the
        /// mapping's xarray), by page index.
        public internal(set) var swapped: [UInt64: SwapEntry] = [:]
        /// VMAs (of every process) that map the object.
        public internal(set) var mappings = 0
        /// The inode the trace gave (a recorded shared anonymous mapping: the kernel's
        /// `get_next_ino()` number, which /proc/PID/maps prints); nil for the model's own.
        public let inode: UInt64?
        /// Pages `shmem_acct_size` charged to Committed_AS for the object's size, returned when
        /// the object goes; 0 for a VM_NORESERVE object, whose pages are charged one by one.
        public let reserved: UInt64
    }

    /// The files, by the trace's id: records in an array by dense slot (`FileTable`).
    public private(set) var files = FileTable()
    /// The shmem objects, by the model's number.
    public internal(set) var shmem: [UInt32: ShmemObject] = [:]
    var nextShmem: UInt32 = 1

    public init() {}

    /// Dirty file pages (NR_FILE_DIRTY, meminfo Dirty), counted as tags are set and cleared.
    public private(set) var dirtyPages: UInt64 = 0
    /// File pages under writeback (NR_WRITEBACK, meminfo Writeback), counted likewise.
    public private(set) var writebackPages: UInt64 = 0

    /// Pages cached for every file.
    public var filePages: UInt64 { files.records.reduce(0) { $0 + UInt64($1.pages.count) } }

    // MARK: Files: the inode

    /// True when the trace opened `id` (or a region of a process at the trace's start maps it).
    public func contains(_ id: FileID) -> Bool { files.slot(id) != nil }

    /// The size of file `id` in bytes (`i_size_read`); nil for a file never opened.
    public func size(of id: FileID) -> UInt64? { files.slot(id).map { files.records[$0].size } }

    /// True when `id` is a tmpfs file (`shmem_file_operations`): its pages are never written back.
    public func isTmpfs(_ id: FileID) -> Bool { files.slot(id).map { files.records[$0].isTmpfs } ?? false }

    /// The path `id` was last opened by; nil for a file never opened.
    public func path(of id: FileID) -> String? { files.slot(id).map { files.records[$0].path } }

    /// Opens file `id`, creating its inode or refreshing it (`iget_locked`, fs/inode.c).
    ///
    /// A file not seen before gets an empty address space; a known one takes the path, size and
    /// identity (when given) the opener saw, and keeps its pages. True when the file is new.
    @discardableResult
    public mutating func open(id: FileID, path: String, size: UInt64, isTmpfs: Bool, identity: FileIdentity?) -> Bool {
        guard let s = files.slot(id) else {
            files.add(id, File(path: path, size: size, isTmpfs: isTmpfs, identity: identity))
            return true
        }
        files.records[s].path = path
        files.records[s].size = size
        if let identity { files.records[s].identity = identity }
        return false
    }

    /// Extends file `id` to `size` bytes if it is shorter (`i_size_write` in `generic_write_end`, fs/buffer.c).
    ///
    /// A write ending past EOF grows the file; so does a region of a process at the trace's
    /// start that maps past the size known so far. True when the file grew.
    public mutating func grow(_ id: FileID, to size: UInt64) -> Bool {
        guard let s = files.slot(id), files.records[s].size < size else { return false }
        files.records[s].size = size
        return true
    }

    /// Sets the size of file `id` (`i_size_write` in `truncate_setsize`, mm/truncate.c).
    ///
    /// The pages past the new end are the caller's to remove (`removePage`), as
    /// `truncate_pagecache` does after it.
    public mutating func setSize(_ id: FileID, _ size: UInt64) {
        guard let s = files.slot(id) else { return }
        files.records[s].size = size
        files.records[s].shadows.removeAll(from: Page.count(covering: size))
    }

    /// Marks file `id` unlinked (`drop_nlink` from `vfs_unlink`, fs/namei.c).
    ///
    /// The file lives on while it is open or mapped; /proc/PID/maps prints its mappings
    /// " (deleted)".
    public mutating func markUnlinked(_ id: FileID) {
        if let s = files.slot(id) { files.records[s].unlinked = true }
    }

    // MARK: Files: the address space

    /// The frame caching page `index` of file `id` (`filemap_get_folio`, mm/filemap.c); nil on a miss.
    @inlinable public func page(_ id: FileID, _ index: UInt64) -> PageFrameNumber? {
        guard let s = files.slot(id) else { return nil }
        return files.records[s].pages[index]
    }

    /// The cached pages of file `id` from page `first` on (`find_lock_entries`, mm/filemap.c).
    ///
    /// By ascending index, as `truncate_inode_pages_range` walks them.
    public func pages(of id: FileID, from first: UInt64 = 0) -> [(index: UInt64, frame: PageFrameNumber)] {
        guard let s = files.slot(id) else { return [] }
        return files.records[s].pages.entries.filter { $0.key >= first }.map { ($0.key, $0.value) }
    }

    /// The clean cached pages of file `id`, which `invalidate_mapping_pages` (mm/truncate.c) may drop.
    ///
    /// By ascending index; neither dirty pages nor pages under writeback (`mapping_evict_folio`
    /// leaves both). None of a tmpfs file: its pages have no storage to be read back from.
    public func cleanPages(of id: FileID) -> [(index: UInt64, frame: PageFrameNumber)] {
        guard let s = files.slot(id), !files.records[s].isTmpfs else { return [] }
        let f = files.records[s]
        return f.pages.entries.filter { !f.dirty.contains($0.key) && !f.writeback.contains($0.key) }.map { ($0.key, $0.value) }
    }

    /// Adds `frame` as page `index` of file `id` (`filemap_add_folio`, mm/filemap.c).
    ///
    /// The index must be free: the callers look it up first, as `__filemap_get_folio` does. A
    /// page of a file never opened is not kept.
    public mutating func insertPage(_ id: FileID, _ index: UInt64, _ frame: PageFrameNumber) {
        guard let s = files.slot(id) else { return }
        assert(files.records[s].pages[index] == nil, "page \(index) of file \(id) is cached already")
        files.records[s].pages[index] = frame
    }

    /// Removes page `index` of file `id` with its dirty and writeback tags (`filemap_remove_folio`,
    /// mm/filemap.c; truncation cancels the dirty tag, `folio_cancel_dirty`, and has waited for
    /// the writeback).
    ///
    /// Returns the page's frame for the caller to free; nil when the page was not cached.
    public mutating func removePage(_ id: FileID, _ index: UInt64) -> PageFrameNumber? {
        // One in-place access to the file's record in its slot: reading it out would copy its tables.
        guard let s = files.slot(id), let r = files.records[s].removePage(index) else { return nil }
        if r.dirty { dirtyPages -= 1 }
        if r.writeback { writebackPages -= 1 }
        return r.frame
    }

    /// Leaves a shadow entry where page `index` of file `id` was (`workingset_eviction`'s value
    /// stored by `__filemap_remove_folio`).
    public mutating func setShadow(_ id: FileID, _ index: UInt64, _ shadow: ShadowEntry) {
        if let s = files.slot(id) { files.records[s].setShadow(index, shadow) }
    }

    /// Takes the shadow entry at page `index` of file `id`, as a new folio replacing it does
    /// (`filemap_add_folio` hands it to `workingset_refault`).
    public mutating func takeShadow(_ id: FileID, _ index: UInt64) -> ShadowEntry? {
        guard let s = files.slot(id) else { return nil }
        return files.records[s].shadows.removeValue(forKey: index)
    }

    /// Shadow entries in all files (`workingset_nodes` stand-in).
    public var shadowEntries: UInt64 { files.records.reduce(0) { $0 + UInt64($1.shadows.count) } }

    // MARK: Files: dirty pages and writeback

    /// True when cached page `index` of file `id` is dirty (PAGECACHE_TAG_DIRTY).
    public func isDirty(_ id: FileID, _ index: UInt64) -> Bool {
        guard let s = files.slot(id), !files.records[s].dirty.isEmpty else { return false }
        return files.records[s].dirty.contains(index)
    }

    /// True when cached page `index` of file `id` is under writeback (PG_writeback, `folio_test_writeback`).
    public func isUnderWriteback(_ id: FileID, _ index: UInt64) -> Bool {
        guard let s = files.slot(id), !files.records[s].writeback.isEmpty else { return false }
        return files.records[s].writeback.contains(index)
    }

    /// Tags cached page `index` of file `id` dirty (`folio_mark_dirty`, mm/page-writeback.c) at
    /// virtual time `now`; the file's `dirtied_when` is `now` if it had no dirty page
    /// (`__mark_inode_dirty`).
    ///
    /// True when the page was clean; false when it was dirty already, is not cached, or belongs
    /// to a tmpfs file (shmem's `noop_dirty_folio` leaves NR_FILE_DIRTY alone).
    @discardableResult
    public mutating func markDirty(_ id: FileID, _ index: UInt64, now: UInt64 = 0) -> Bool {
        guard let s = files.slot(id), !files.records[s].isTmpfs, files.records[s].pages[index] != nil else { return false }
        let wasClean = files.records[s].dirty.isEmpty
        guard files.records[s].dirty.insert(index).inserted else { return false }
        if wasClean { files.records[s].dirtiedWhen = now }
        dirtyPages += 1
        return true
    }

    /// The dirty pages of file `id` in page range `range`, by ascending index (the
    /// PAGECACHE_TAG_DIRTY walk of `write_cache_pages`).
    public func dirtyIndices(of id: FileID, in range: ClosedRange<UInt64> = 0...UInt64.max) -> [UInt64] {
        guard let s = files.slot(id) else { return [] }
        return files.records[s].dirty.filter { range.contains($0) }.sorted()
    }

    /// Files with dirty pages, oldest `dirtied_when` first (ties by id): the order of the
    /// flusher's b_dirty list (`queue_io`, fs/fs-writeback.c).
    public func dirtyFiles() -> [(id: FileID, dirtiedWhen: UInt64)] {
        var out: [(id: FileID, dirtiedWhen: UInt64)] = []
        for (s, f) in files.records.enumerated() { if let t = f.dirtiedWhen { out.append((files.ids[s], t)) } }
        return out.sorted { $0.dirtiedWhen != $1.dirtiedWhen ? $0.dirtiedWhen < $1.dirtiedWhen : $0.id < $1.id }
    }

    /// Clears the dirty tag of page `index` of file `id` and sets PG_writeback
    /// (`folio_clear_dirty_for_io` then `folio_start_writeback`, from `write_cache_pages`). True
    /// when the page was dirty; a page already under writeback stays so.
    public mutating func startWriteback(_ id: FileID, _ index: UInt64) -> Bool {
        guard let s = files.slot(id), files.records[s].dirty.remove(index) != nil else { return false }
        dirtyPages -= 1
        if files.records[s].dirty.isEmpty { files.records[s].dirtiedWhen = nil }
        if files.records[s].writeback.insert(index).inserted { writebackPages += 1 }
        return true
    }

    /// The I/O of page `index` of file `id` completed (`folio_end_writeback`): PG_writeback
    /// cleared. True when the page was under writeback (it may have been truncated meanwhile).
    public mutating func endWriteback(_ id: FileID, _ index: UInt64) -> Bool {
        guard let s = files.slot(id), files.records[s].writeback.remove(index) != nil else { return false }
        writebackPages -= 1
        return true
    }

    /// Compaction moved frames: every cached page follows its frame to the new one.
    public mutating func migrate(_ forward: [PageFrameNumber: PageFrameNumber]) {
        for s in files.records.indices {
            for (off, f) in files.records[s].pages { if let to = forward[f] { files.records[s].pages[off] = to } }
        }
        for id in shmem.keys.sorted() {
            for (off, f) in shmem[id]!.pages { if let to = forward[f] { shmem[id]!.pages[off] = to } }
        }
    }

    // MARK: Checks

    /// Test hook: miscounts `object`'s VMAs by `delta`, so tests can show the checker catches it.
    mutating func miscountMappings(of object: UInt32, by delta: Int) { shmem[object]?.mappings += delta }

    /// Test hook: tags page `index` of file `id` dirty whether or not it is cached or the file is
    /// on tmpfs, so tests can show the checker catches it.
    mutating func forceDirty(_ id: FileID, _ index: UInt64) {
        guard let s = files.slot(id), files.records[s].dirty.insert(index).inserted else { return }
        dirtyPages += 1
        if files.records[s].dirtiedWhen == nil { files.records[s].dirtiedWhen = 0 }
    }

    /// Test hook: caches `frame` as page `index` of file `id` even when another page holds it, so
    /// tests can show the checker catches it.
    mutating func forcePage(_ id: FileID, _ index: UInt64, _ frame: PageFrameNumber) {
        if let s = files.slot(id) { files.records[s].pages[index] = frame }
    }

    /// The subsystem's own invariants: a file's dirty and writeback pages are cached pages, a
    /// tmpfs file has neither (`markDirty` leaves shmem alone), a file has `dirtied_when` exactly
    /// while it has dirty pages, the running counts match the tags, no frame caches two pages,
    /// and no shmem object is left without a VMA. (The counts against the VMAs are `LinuxKernel`'s check.)
    public func invariantViolations() -> [String] {
        var problems = files.invariantViolations()
        var dirty: UInt64 = 0, writeback: UInt64 = 0
        for f in files.values {
            for problem in f.pages.invariantViolations() { problems.append("file \(f.path) pages: \(problem)") }
            for problem in f.shadows.invariantViolations() { problems.append("file \(f.path) shadow entries: \(problem)") }
            dirty += UInt64(f.dirty.count); writeback += UInt64(f.writeback.count)
            let stray = f.dirty.filter { f.pages[$0] == nil }.count
            if stray > 0 { problems.append("file \(f.path): \(stray) dirty pages not in the page cache") }
            let strayIO = f.writeback.filter { f.pages[$0] == nil }.count
            if strayIO > 0 { problems.append("file \(f.path): \(strayIO) pages under writeback not in the page cache") }
            if f.isTmpfs && !(f.dirty.isEmpty && f.writeback.isEmpty) {
                problems.append("file \(f.path): tmpfs file with \(f.dirty.count) dirty and \(f.writeback.count) writeback pages")
            }
            if (f.dirtiedWhen == nil) != f.dirty.isEmpty {
                problems.append("file \(f.path): dirtied_when \(f.dirtiedWhen.map(String.init) ?? "unset") with \(f.dirty.count) dirty pages")
            }
        }
        if dirty != dirtyPages { problems.append("NR_FILE_DIRTY is \(dirtyPages), but \(dirty) pages are tagged dirty") }
        if writeback != writebackPages { problems.append("NR_WRITEBACK is \(writebackPages), but \(writeback) pages are under writeback") }
        problems += sharedFrames()
        for o in shmem.keys.sorted() where shmem[o]!.mappings <= 0 {
            problems.append("shmem object \(o) outlives its last VMA")
        }
        return problems
    }

    /// Frames that cache more than one page (of files and shmem objects), named in a deterministic
    /// order: at most ten, then a count of the rest.
    func sharedFrames() -> [String] {
        var seen = Set<PageFrameNumber>(minimumCapacity: Int(filePages + shmemPages))
        var clean = true
        for f in files.records { f.pages.forEach { _, frame in if !seen.insert(frame).inserted { clean = false } } }
        for o in shmem.values { for frame in o.pages.values where !seen.insert(frame).inserted { clean = false } }
        guard !clean else { return [] }
        // Name them in sorted order, so the report is the same on every run.
        var owner: [PageFrameNumber: String] = [:]
        var problems: [String] = []
        var twice = 0
        var pages: [(PageFrameNumber, String)] = []
        for f in files.values {
            pages += f.pages.entries.map { ($0.value, "page \($0.key) of file \(f.path)") }
        }
        for o in shmem.keys.sorted() {
            pages += shmem[o]!.pages.keys.sorted().map { (shmem[o]!.pages[$0]!, "page \($0) of shmem object \(o)") }
        }
        for (frame, name) in pages {
            guard let other = owner.updateValue(name, forKey: frame) else { continue }
            twice += 1
            if twice <= 10 { problems.append("frame \(frame) caches both \(other) and \(name)") }
        }
        if twice > 10 { problems.append("\(twice - 10) more frames caching two pages") }
        return problems
    }
}

extension PageCache.File {
    /// Drops page `index`, its dirty and writeback tags (and `dirtied_when` with the last dirty
    /// page); what it held.
    fileprivate mutating func removePage(_ index: UInt64) -> (frame: PageFrameNumber, dirty: Bool, writeback: Bool)? {
        guard let frame = pages.removeValue(forKey: index) else { return nil }
        // The tag sets are empty for a clean file: no lookup then.
        let wasDirty = !dirty.isEmpty && dirty.remove(index) != nil
        if wasDirty && dirty.isEmpty { dirtiedWhen = nil }
        return (frame, wasDirty, !writeback.isEmpty && writeback.remove(index) != nil)
    }

    /// Stores a shadow entry at `index` unless a page is cached there.
    fileprivate mutating func setShadow(_ index: UInt64, _ shadow: ShadowEntry) {
        guard pages[index] == nil else { return }
        shadows[index] = shadow
    }
}
