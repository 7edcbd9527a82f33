import MemTrace

extension LinuxKernel {
    /// File operations through the page cache (mm/filemap.c): read fills missing pages (major,
    /// with `ra_pages` readahead) and marks each page it reads accessed (`filemap_read` →
    /// `folio_mark_accessed`); write dirties pages (allocating missing ones; `write_begin`'s
    /// FGP_WRITEBEGIN does not mark them accessed) and is throttled by `balance_dirty_pages`;
    /// fsync writes the dirty pages and waits for the disk; truncate drops pages past the new
    /// end, unlink drops the file's pages once no VMA maps it.
    public mutating func file(_ call: FileCall, pid: ProcessID, path: String) -> FileResult {
        enter(pid)
        defer { settleIfNeeded() }
        switch call.op {
        case .open:
            cache.open(id: call.file, path: path, size: call.size, isTmpfs: LinuxKernel.isTmpfs(path), identity: call.identity)
            changes.append(.fileChanged(id: call.file, path: path, size: call.size))
            return FileResult()
        case .close:
            return FileResult()
        case .read, .write:
            guard cache.contains(call.file) else { return FileResult() }
            let transferred = call.result >= 0 ? UInt64(call.result) : 0
            // rw_verify_area: one call moves at most MAX_RW_COUNT bytes, at a loff_t offset.
            let length = min(call.result > 0 ? transferred : call.length, LinuxKernel.maxRWCount)
            guard length > 0, call.offset <= UInt64(Int64.max) - length else { return FileResult() }
            let first = Page.number(of: call.offset), last = Page.number(of: call.offset + length - 1)
            if call.op == .write && cache.grow(call.file, to: call.offset + length) {
                changes.append(.fileChanged(id: call.file, path: cache.path(of: call.file)!, size: call.offset + length))
            }
            let size = cache.size(of: call.file)!, tmpfs = cache.isTmpfs(call.file)
            var cached: UInt64 = 0, read: UInt64 = 0, dirtied: UInt64 = 0
            for off in first...last {
                if let hit = cache.page(call.file, off) {
                    cached += 1
                    if call.op == .read { markAccessed(hit) }
                } else {
                    if call.op == .read {
                        guard off < Page.count(covering: size) else { break }
                        if tmpfs { continue }   // a tmpfs hole reads as zeros
                        let ra = UInt64(configuration.readAroundPages)
                        let end = min(off + ra, Page.count(covering: size))
                        for o in off..<end where cache.page(call.file, o) == nil {
                            guard let f = allocateFrame(.file) else { break }
                            addToPageCache(call.file, o, f)
                            read += 1
                        }
                        // filemap_read marks the folio it copies from, fresh from storage too.
                        if let f = cache.page(call.file, off) { markAccessed(f) }
                    } else {
                        guard let f = allocateFrame(tmpfs ? .shmem : .file) else { break }
                        addToPageCache(call.file, off, f)
                    }
                }
                if call.op == .write, dirtyFilePage(call.file, off) { dirtied += 1 }
            }
            stats.pgpgin += read * 4
            return FileResult(pagesCached: cached, pagesRead: read, pagesDirtied: dirtied)
        case .fsync:
            return FileResult(pagesWritten: syncFile(call.file))
        case .truncate:
            guard cache.contains(call.file), call.size <= UInt64(Int64.max) - Page.offsetMask else { return FileResult() }
            let dropped = dropUnmapped(call.file, cache.pages(of: call.file, from: Page.count(covering: call.size)))
            cache.setSize(call.file, call.size)
            changes.append(.fileChanged(id: call.file, path: cache.path(of: call.file)!, size: call.size))
            return FileResult(pagesDropped: dropped)
        case .unlink:
            guard cache.contains(call.file) else { return FileResult() }
            cache.markUnlinked(call.file)
            return FileResult(pagesDropped: dropUnmapped(call.file, cache.pages(of: call.file)))
        }
    }

    /// Removes each of `pages` of file `id` that no PTE maps from the page cache and frees its
    /// frame (`truncate_inode_pages_range`, `invalidate_mapping_pages`, mm/truncate.c; the model
    /// leaves a mapped page cached). Returns the pages dropped.
    mutating func dropUnmapped(_ id: FileID, _ pages: [(index: UInt64, frame: PageFrameNumber)]) -> UInt64 {
        var dropped: UInt64 = 0
        for (index, frame) in pages where frames.mapCountOf(frame) == 0 {
            if let freed = cache.removePage(id, index) { freeFrame(freed); dropped += 1 }
        }
        return dropped
    }

    /// Control events: sysctls and oom_score_adj are remembered for the layers that use them;
    /// the overcommit sysctls change the commit policy in force (`CommitAccounting.applySysctl`),
    /// the vm.dirty_* ones the writeback policy (`WritebackState.applySysctl`, then
    /// `writeback_set_ratelimit`); vm.drop_caches 1 or 3 drops the clean cache.
    public mutating func control(_ event: ControlEvent, key: String, name: String) {
        ensureUniqueState()
        if clock > writeback.now { advanceWriteback(to: clock) }
        defer { settleIfNeeded() }
        switch event.op {
        case .sysctl:
            sysctls[key] = event.value
            _ = commit.applySysctl(key, event.value)
            if writeback.applySysctl(key, event.value) { setWritebackRatelimit() }
            if key == "vm.drop_caches" && event.value & 1 != 0 { dropCleanCache() }
            if key == "vm.compact_memory" { frames.compactAll() }
        case .oomScoreAdj:
            tasks[event.target]?.oomScoreAdj = Int32(clamping: event.value)
        case .cgroupLimit:
            if key.hasPrefix("cpuset.") { cpusetControl(name: name, key: key, value: event.value, target: event.target); break }
            memcgControl(name: name, key: key, value: event.value, target: event.target)
        case .phase:
            break
        }
    }

    /// `drop_pagecache_sb`: frees clean page-cache pages that no PTE maps (dirty pages, pages
    /// under writeback and shmem are never dropped).
    mutating func dropCleanCache() {
        reclaim.stats.dropPagecache += 1
        for id in cache.files.keys.sorted() { _ = dropUnmapped(id, cache.cleanPages(of: id)) }
    }
}
