import MemTrace

extension LinuxKernel {
    /// File operations through the page cache (mm/filemap.c): read fills missing pages (major,
    /// with `ra_pages` readahead), write dirties pages (allocating missing ones), fsync cleans them,
    /// truncate drops pages past the new end, unlink drops the file's pages once no VMA maps it.
    public mutating func file(_ call: FileCall, pid: ProcessID, path: String) -> FileResult {
        ensureUniqueState()
        defer { settleIfNeeded() }
        switch call.op {
        case .open:
            if cache.files[call.file] == nil {
                cache.files[call.file] = PageCache.File(path: path, size: call.size, isTmpfs: LinuxKernel.isTmpfs(path),
                                                        identity: call.identity)
            } else {
                cache.files[call.file]!.size = call.size
                cache.files[call.file]!.path = path
                if let id = call.identity { cache.files[call.file]!.identity = id }
            }
            changes.append(.fileChanged(id: call.file, path: path, size: call.size))
            return FileResult()
        case .close:
            return FileResult()
        case .read, .write:
            guard cache.files[call.file] != nil else { return FileResult() }
            let transferred = call.result >= 0 ? UInt64(call.result) : 0
            // rw_verify_area: one call moves at most MAX_RW_COUNT bytes, at a loff_t offset.
            let length = min(call.result > 0 ? transferred : call.length, LinuxKernel.maxRWCount)
            guard length > 0, call.offset <= UInt64(Int64.max) - length else { return FileResult() }
            let first = Page.number(of: call.offset), last = Page.number(of: call.offset + length - 1)
            if call.op == .write && call.offset + length > cache.files[call.file]!.size {
                cache.files[call.file]!.size = call.offset + length
                changes.append(.fileChanged(id: call.file, path: cache.files[call.file]!.path, size: call.offset + length))
            }
            let size = cache.files[call.file]!.size
            var cached: UInt64 = 0, read: UInt64 = 0, dirtied: UInt64 = 0
            for off in first...last {
                if cache.files[call.file]!.pages[off] != nil { cached += 1 } else {
                    if call.op == .read {
                        guard off < Page.count(covering: size) else { break }
                        if cache.files[call.file]!.isTmpfs { continue }   // a tmpfs hole reads as zeros
                        let ra = UInt64(configuration.readAroundPages)
                        let end = min(off + ra, Page.count(covering: size))
                        for o in off..<end where cache.files[call.file]!.pages[o] == nil {
                            guard let f = allocateFrame(.file) else { break }
                            frames.setOwner(f, .file(call.file, page: o))
                            cache.files[call.file]!.pages[o] = f
                            read += 1
                        }
                    } else {
                        guard let f = allocateFrame(cache.files[call.file]!.isTmpfs ? .shmem : .file) else { break }
                        frames.setOwner(f, .file(call.file, page: off))
                        cache.files[call.file]!.pages[off] = f
                    }
                }
                if call.op == .write, !cache.files[call.file]!.isTmpfs, cache.files[call.file]!.dirty.insert(off).inserted { dirtied += 1 }
            }
            stats.pgpgin += read * 4
            return FileResult(pagesCached: cached, pagesRead: read, pagesChanged: dirtied)
        case .fsync:
            let n = UInt64(cache.files[call.file]?.dirty.count ?? 0)
            cache.files[call.file]?.dirty.removeAll()
            stats.pgpgout += n * 4
            return FileResult(pagesChanged: n)
        case .truncate:
            guard var f = cache.files[call.file], call.size <= UInt64(Int64.max) - Page.offsetMask else { return FileResult() }
            let keep = Page.count(covering: call.size)
            var dropped: UInt64 = 0
            for off in f.pages.keys.sorted() where off >= keep {
                let frame = f.pages[off]!
                if frames.mapCountOf(frame) == 0 { freeFrame(frame); f.pages[off] = nil; f.dirty.remove(off); dropped += 1 }
            }
            f.size = call.size
            cache.files[call.file] = f
            changes.append(.fileChanged(id: call.file, path: f.path, size: call.size))
            return FileResult(pagesChanged: dropped)
        case .unlink:
            guard var f = cache.files[call.file] else { return FileResult() }
            f.unlinked = true
            var dropped: UInt64 = 0
            for off in f.pages.keys.sorted() {
                let frame = f.pages[off]!
                if frames.mapCountOf(frame) == 0 { freeFrame(frame); f.pages[off] = nil; f.dirty.remove(off); dropped += 1 }
            }
            cache.files[call.file] = f
            return FileResult(pagesChanged: dropped)
        }
    }

    /// Control events: sysctls and oom_score_adj are remembered for the layers that use them.
    public mutating func control(_ event: ControlEvent, key: String, name: String) {
        ensureUniqueState()
        defer { settleIfNeeded() }
        switch event.op {
        case .sysctl:
            sysctls[key] = event.value
            if key == "vm.drop_caches" && event.value & 1 != 0 { dropCleanCache() }
            if key == "vm.compact_memory" { frames.compactAll() }
        case .oomScoreAdj:
            processes[event.target]?.oomScoreAdj = Int32(clamping: event.value)
        case .phase, .cgroupLimit:
            break
        }
    }

    /// `drop_pagecache_sb`: frees clean page-cache pages that no PTE maps (shmem is never dropped).
    mutating func dropCleanCache() {
        for id in cache.files.keys.sorted() {
            var f = cache.files[id]!
            guard !f.isTmpfs else { continue }
            for off in f.pages.keys.sorted() where !f.dirty.contains(off) {
                let frame = f.pages[off]!
                if frames.mapCountOf(frame) == 0 { freeFrame(frame); f.pages[off] = nil }
            }
            cache.files[id] = f
        }
    }
}
