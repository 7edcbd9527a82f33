import MemTrace

extension LinuxKernel {
    /// Brings the writeback subsystem up to virtual time `t`: every request completion and
    /// periodic wake-up due by then happens, in time order, each at its own time (the flusher's
    /// `wb_workfn` and the disk's completions, run lazily when the kernel next sees the clock).
    mutating func advanceWriteback(to t: UInt64) {
        while writeback.nextDeadline <= t {
            let completion = writeback.inflight.first?.completes ?? .max
            let periodic = writeback.nextPeriodic ?? .max
            writeback.now = max(writeback.now, min(completion, periodic))
            if completion <= periodic { completeRequest() } else { periodicWakeup() }
        }
        writeback.now = max(writeback.now, t)
    }

    /// The disk completed the first request in flight: each page still under writeback ends it
    /// (`folio_end_writeback`, NR_WRITTEN); a page reclaim had marked PG_reclaim goes to the
    /// inactive list's tail for the next scan (`folio_rotate_reclaimable`, pgrotated). When it
    /// was the flusher's last request, the flusher carries on with its work.
    mutating func completeRequest() {
        let r = writeback.takeCompleted()
        for index in r.pages where cache.endWriteback(r.file, index) {
            writeback.stats.nrWritten += 1
            guard let f = cache.page(r.file, index), frames.folioFlags(f).contains(.reclaim) else { continue }
            frames.updateFolioFlags(f) { $0.remove(.reclaim) }
            if frames.lruListOf(f) == .inactiveFile {
                frames.lruDelete(f)
                frames.lruAddTail(f, .inactiveFile)
                reclaim.stats.pgrotated += 1
            }
        }
        if writeback.flusherBusyUntil == r.completes {
            writeback.flusherBusyUntil = nil
            flusherWork()
        }
    }

    /// The flusher's delayed wake-up (`wb_workfn` → `wb_check_old_data_flush`): the periodic
    /// flush of inodes dirtied more than vm.dirty_expire_centisecs ago is queued, and the next
    /// wake-up set while dirty inodes remain (`wb_has_dirty_io` → `wb_wakeup_delayed`).
    mutating func periodicWakeup() {
        let at = writeback.nextPeriodic!
        writeback.nextPeriodic = nil
        writeback.periodicQueued = true
        flusherWork()
        if let interval = writeback.periodicInterval, cache.dirtyPages > 0 {
            writeback.nextPeriodic = at + interval
        }
    }

    /// Marks the inode's first dirty page for the flusher: a clean writeback context gets its
    /// delayed wake-up a vm.dirty_writeback_centisecs from now (`__mark_inode_dirty` →
    /// `wb_wakeup_delayed`).
    mutating func armPeriodicWriteback() {
        guard writeback.nextPeriodic == nil, let interval = writeback.periodicInterval else { return }
        writeback.nextPeriodic = writeback.now + interval
    }

    /// `wb_start_background_writeback`: queues background work unless it is queued already
    /// (`writeback_in_progress`); the flusher starts at once if it is idle.
    mutating func startBackgroundWriteback() {
        guard !writeback.backgroundQueued else { return }
        writeback.backgroundQueued = true
        flusherWork()
    }

    /// `wakeup_flusher_threads` / `wb_start_writeback` (reclaim found only dirty pages not queued
    /// for I/O, WB_REASON_VMSCAN): the flusher is to write every page dirty now.
    mutating func startWritebackOfAll() {
        writeback.startAllPages = max(writeback.startAllPages, cache.dirtyPages)
        flusherWork()
    }

    /// `wb_do_writeback` once the flusher is idle: one chunk of its most urgent work
    /// (`wb_writeback`): pages left of a write-everything request; background writeback while
    /// NR_FILE_DIRTY is above the background threshold (`wb_over_bg_thresh`); the periodic
    /// flush of expired inodes (`dirtied_when` at least vm.dirty_expire_centisecs old). Inodes go
    /// oldest first (`queue_io`), a chunk (`writeback_chunk_size`) goes to the disk as requests,
    /// and the flusher continues when the chunk's last request completes.
    mutating func flusherWork() {
        guard writeback.flusherBusyUntil == nil else { return }
        let chunk = DirtyThrottle.chunkPages(writeBandwidth: writeback.writeBandwidthPages,
                                             dirtyLimit: max(writeback.dirtyLimit, dirtyLimits().thresh))
        if writeback.startAllPages > 0 {
            let n = writeChunk(min(chunk, writeback.startAllPages)) { _ in true }
            writeback.startAllPages = n == 0 ? 0 : writeback.startAllPages - min(n, writeback.startAllPages)
            if n > 0 { writeback.stats.startAllChunks += 1; return }
        }
        if writeback.backgroundQueued {
            if cache.dirtyPages > dirtyLimits().bgThresh, writeChunk(chunk, { _ in true }) > 0 {
                writeback.stats.backgroundChunks += 1
                return
            }
            writeback.backgroundQueued = false
        }
        if writeback.periodicQueued {
            let expire = writeback.policy.expireCentisecs * 10_000_000
            let now = writeback.now
            if writeChunk(chunk, { now >= expire && $0 <= now - expire }) > 0 {
                writeback.stats.periodicChunks += 1
                return
            }
            writeback.periodicQueued = false
        }
    }

    /// Starts writeback of up to `limit` dirty pages of the files whose `dirtied_when` passes
    /// `eligible`, oldest inode first and each file's pages by index (`write_cache_pages`,
    /// WB_SYNC_NONE: a page already under writeback is skipped), and queues them at the disk.
    /// Returns the pages started.
    mutating func writeChunk(_ limit: UInt64, _ eligible: (UInt64) -> Bool) -> UInt64 {
        var written: UInt64 = 0
        for (file, dirtied) in cache.dirtyFiles() where eligible(dirtied) {
            guard written < limit else { break }
            var batch: [UInt64] = []
            for index in cache.dirtyIndices(of: file) where !cache.isUnderWriteback(file, index) {
                guard written < limit else { break }
                startPageWriteback(file, index, mkclean: true)
                batch.append(index)
                written += 1
            }
            if !batch.isEmpty { writeback.flusherBusyUntil = submitWrite(file, batch) }
        }
        return written
    }

    /// `folio_clear_dirty_for_io` + `folio_start_writeback` for one page: the dirty tag moves to
    /// PG_writeback; with `mkclean`, every PTE mapping the page is cleaned and write-protected
    /// (`folio_mkclean`), so the next store faults and dirties it again.
    mutating func startPageWriteback(_ file: FileID, _ index: UInt64, mkclean: Bool) {
        guard cache.startWriteback(file, index) else { return }
        guard mkclean, let frame = cache.page(file, index), frames.mapCountOf(frame) > 0 else { return }
        var cleaned: [(ProcessID, UInt64)] = []
        rmapWalk(frame) { p, vi, vpn in
            if p.space.areas[vi].isShared, var e = p.table.entry(vpn), e.flags.contains(.dirty) || e.flags.contains(.writable) {
                e.flags.remove([.dirty, .writable])
                p.table.update(vpn, e)
                cleaned.append((p.pid, vpn))
            }
            return true
        }
        for (pid, vpn) in cleaned { queueTLBInvalidate(pid, Page.address(ofNumber: vpn), Page.address(ofNumber: vpn + 1)) }
    }

    /// Queues `pages` of `file` (already under writeback) at the disk now (`submit_bio`, pgpgout);
    /// a writeback context idle for a second restarts its bandwidth estimate's stamps
    /// (`wb_bandwidth_estimate_start`). Returns when the last request completes.
    mutating func submitWrite(_ file: FileID, _ pages: [UInt64]) -> UInt64 {
        if writeback.inflight.isEmpty && writeback.jiffies - writeback.bandwidthStamp > DirtyThrottle.hz {
            writeback.dirtiedStamp = writeback.stats.nrDirtied
            writeback.writtenStamp = writeback.stats.nrWritten
            writeback.bandwidthStamp = writeback.jiffies
        }
        stats.pgpgout += UInt64(pages.count) * 4
        return writeback.submit(file, pages, at: writeback.now)
    }

    /// Writes back the dirty pages of `file` in page range `range` and waits for them and for
    /// the file's I/O already in flight (`file_write_and_wait_range`, WB_SYNC_ALL): fsync, and
    /// msync's `vfs_fsync_range`. The task sleeps until the disk completes them: the
    /// subsystem's time moves on to then. Returns the pages written.
    mutating func syncFile(_ file: FileID, pages range: ClosedRange<UInt64> = 0...UInt64.max, mkclean: Bool = true) -> UInt64 {
        guard !cache.isTmpfs(file) else { return 0 }
        let dirty = cache.dirtyIndices(of: file, in: range)
        for index in dirty { startPageWriteback(file, index, mkclean: mkclean) }
        var done = writeback.lastCompletion(of: file) ?? writeback.now
        if !dirty.isEmpty { done = submitWrite(file, dirty) }
        advanceWriteback(to: done)
        return UInt64(dirty.count)
    }
}

extension LinuxKernel {
    /// Cross-checks the page cache's writeback tags against the disk's queue: every page under
    /// writeback has a request in flight that will end it.
    func writebackViolations() -> [String] {
        var queued: [FileID: Set<UInt64>] = [:]
        for r in writeback.inflight { queued[r.file, default: []].formUnion(r.pages) }
        var problems: [String] = []
        for id in cache.files.keys.sorted() {
            let f = cache.files[id]!
            let stranded = f.writeback.subtracting(queued[id] ?? []).count
            if stranded > 0 { problems.append("file \(f.path): \(stranded) pages under writeback with no request in flight") }
        }
        return problems
    }
}
