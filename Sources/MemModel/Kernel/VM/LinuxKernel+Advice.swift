import MemTrace

extension LinuxKernel {
    /// `madvise` (mm/madvise.c): DONTNEED and REMOVE zap the range (anonymous pages freed, file
    /// pages stay cached); WILLNEED reads file pages ahead; HUGEPAGE / NOHUGEPAGE / RANDOM /
    /// SEQUENTIAL / DONTFORK set VMA flags. FREE marks pages lazily freeable: without reclaim in
    /// the model they stay resident, as they do on a machine with free memory.
    mutating func madvise(_ p: ProcessState, _ call: MemoryCall) -> SyscallResult {
        let (start, end, refused) = mappedRange(p, call)
        if let refused { return refused }
        let advice = call.advice
        switch advice {
        case .dontNeed, .remove:
            var freed: UInt64 = 0
            queueTLBInvalidate(p.pid, start, end)
            freed += zapHugeRange(p, start, end)
            for vpn in p.table.mappedPages(Page.number(of: start), Page.number(of: end)) { freed += zap(p, vpn) }
            freed += zapSwapEntries(p, start, end)
            return SyscallResult(result: 0, pagesFreed: freed)
        case .willNeed:
            var read: UInt64 = 0
            var addr = start
            while addr < end, let i = p.space.find(addr) {
                let v = p.space[i]
                if case .file(let f) = v.backing, let size = cache.size(of: f) {
                    let last = min(end, v.end)
                    for a in stride(from: addr, to: last, by: Int(Page.size)) {
                        let off = v.pageOffset(of: a)
                        if off < Page.count(covering: size) && cache.page(f, off) == nil {
                            guard let fr = allocateFrame(.file) else { break }
                            addToPageCache(f, off, fr); read += 1
                        }
                    }
                }
                addr = v.end
            }
            stats.pgpgin += read * 4
            return SyscallResult(result: 0, pagesPopulated: read)
        case .hugePage, .noHugePage, .random, .sequential, .normal, .dontFork, .doFork:
            let flag: VMAFlags
            var clear: VMAFlags = []
            switch advice {
            case .hugePage: flag = .hugePage; clear = .noHugePage
            case .noHugePage: flag = .noHugePage; clear = .hugePage
            case .random: flag = .randomRead; clear = .sequentialRead
            case .sequential: flag = .sequentialRead; clear = .randomRead
            case .dontFork: flag = .dontFork
            case .doFork: flag = []; clear = .dontFork
            default: flag = []; clear = [.randomRead, .sequentialRead]
            }
            splitHugeAt(p, start); splitHugeAt(p, end)
            _ = p.space.split(at: start) { self.newVMAID() }.map { announceSplit(p, $0) }
            _ = p.space.split(at: end) { self.newVMAID() }.map { announceSplit(p, $0) }
            for i in p.space.areas.indices where p.space.areas[i].start >= start && p.space.areas[i].end <= end {
                p.space.update(i) { $0.flags.subtract(clear); $0.flags.formUnion(flag) }
            }
            mergeAfterChange(p, start, end)
            for i in p.space.areas.indices where p.space.areas[i].end > start && p.space.areas[i].start < end {
                changes.append(.vmaChanged(pid: p.pid, vma: p.space[i]))
            }
            return SyscallResult(result: 0)
        case .free, .cold, .pageOut, .mergeable, .unmergeable:
            return SyscallResult(result: 0)
        default:
            return SyscallResult(errno: .einval)
        }
    }

    mutating func announceSplit(_ p: ProcessState, _ created: VirtualMemoryArea) {
        cache.mapped(created.backing)
        if let i = p.space.find(created.start - 1) { changes.append(.vmaChanged(pid: p.pid, vma: p.space[i])) }
        changes.append(.vmaChanged(pid: p.pid, vma: created))
    }

    /// `mlock` / `munlock` (mm/mlock.c): sets or clears VM_LOCKED on the range, populating it on lock.
    mutating func setLocked(_ p: ProcessState, _ start: UInt64, _ end: UInt64, locked: Bool) -> SyscallResult {
        // do_mlock: locked_vm + the newly locked pages over RLIMIT_MEMLOCK → ENOMEM (no CAP_IPC_LOCK).
        if locked {
            let adding = Page.count(in: end - start) - lockedPages(p, start, end)
            if Page.bytes(lockedPages(p) + adding) > vm.rlimitMemlock { return SyscallResult(errno: .enomem) }
        }
        splitHugeAt(p, start); splitHugeAt(p, end)
        if let s = p.space.split(at: start, newID: { self.newVMAID() }) { announceSplit(p, s) }
        if let s = p.space.split(at: end, newID: { self.newVMAID() }) { announceSplit(p, s) }
        for i in p.space.areas.indices where p.space.areas[i].start >= start && p.space.areas[i].end <= end {
            p.space.update(i) { if locked { $0.flags.insert(.locked) } else { $0.flags.remove(.locked) } }
        }
        mergeAfterChange(p, start, end)
        for i in p.space.areas.indices where p.space.areas[i].end > start && p.space.areas[i].start < end {
            changes.append(.vmaChanged(pid: p.pid, vma: p.space[i]))
        }
        mlockRange(p, start, end, locked: locked)
        let populated = locked ? populate(p, start, end) : 0
        return SyscallResult(result: 0, pagesPopulated: populated)
    }

    /// `msync` (mm/msync.c). EINVAL for flags beyond MS_ASYNC, MS_INVALIDATE and MS_SYNC, for
    /// MS_ASYNC with MS_SYNC and for an unaligned start; ENOMEM when the rounded range wraps. Then
    /// the VMAs of the range, in order: MS_INVALIDATE fails with EBUSY at a locked one; MS_SYNC
    /// writes back the range's part of each shared file mapping (`vfs_fsync_range`); MS_ASYNC starts
    /// nothing (a no-op since 2.6.19: dirty shared pages are already tracked for writeback). A hole
    /// in the range fails the call with ENOMEM after the VMAs past it, at once for a bare MS_ASYNC;
    /// so does a range running past the last VMA.
    mutating func msync(_ p: ProcessState, _ call: MemoryCall) -> SyscallResult {
        let flags = call.msyncFlags
        guard flags.isSubset(of: [.async, .invalidate, .sync]), Page.isAligned(call.address.rawValue),
              !flags.isSuperset(of: [.async, .sync]) else { return SyscallResult(errno: .einval) }
        var start = call.address.rawValue
        let end = start &+ Page.alignUp(call.length)
        guard end >= start else { return SyscallResult(errno: .enomem) }
        guard end > start else { return SyscallResult(result: 0) }
        let areas = p.space.areas
        // find_vma: the first VMA ending above `start`; the walk then takes the next one.
        var lo = 0, hi = areas.count
        while lo < hi { let mid = (lo + hi) >> 1; if areas[mid].end <= start { lo = mid + 1 } else { hi = mid } }
        var error: Errno? = nil, unmapped = false, written: UInt64 = 0
        for v in areas[lo...] {
            if start < v.start {
                if flags == .async { error = .enomem; break }
                start = v.start
                if start >= end { error = .enomem; break }
                unmapped = true
            }
            if flags.contains(.invalidate) && v.flags.contains(.locked) { error = .ebusy; break }
            if flags.contains(.sync), v.isShared, case .file(let f) = v.backing {
                written += writeBack(p, v, file: f, start, min(end, v.end))
            }
            start = v.end
            if start >= end { break }
        }
        if error == nil && start < end { error = .enomem }      // past the last VMA
        if let failure = error ?? (unmapped ? .enomem : nil) {
            return SyscallResult(result: failure.negated, pagesWritten: written)
        }
        return SyscallResult(result: 0, pagesWritten: written)
    }

    /// Writes back the dirty page-cache pages of `file` under [start, end) of `p`'s shared mapping
    /// `v` (`vfs_fsync_range` → `file_write_and_wait_range`).
    ///
    /// The range's dirty PTEs are cleaned, write-protected and flushed from the TLB
    /// (`folio_mkclean`), so the next store faults and dirties its page again. A tmpfs file's
    /// fsync is `noop_fsync`: nothing is written or cleaned. Returns the pages written.
    mutating func writeBack(_ p: ProcessState, _ v: VirtualMemoryArea, file: FileID, _ start: UInt64, _ end: UInt64) -> UInt64 {
        guard !cache.isTmpfs(file) else { return 0 }
        // The range's PTEs are cleaned below; the rest of the file's mappings keep theirs.
        let written = syncFile(file, pages: v.pageOffset(of: start)...v.pageOffset(of: end - 1), mkclean: false)
        var cleaned = false
        for vpn in p.table.mappedPages(Page.number(of: start), Page.number(of: end)) {
            if var e = p.table.entry(vpn), e.flags.contains(.dirty) {
                e.flags.remove([.dirty, .writable]); p.table.update(vpn, e)
                cleaned = true
            }
        }
        if cleaned { queueTLBInvalidate(p.pid, start, end) }      // page_vma_mkclean_one flushes the PTEs it cleans
        return written
    }
}
