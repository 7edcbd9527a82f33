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
            return SyscallResult(result: 0, pagesFreed: freed)
        case .willNeed:
            var read: UInt64 = 0
            var addr = start
            while addr < end, let i = p.space.find(addr) {
                let v = p.space[i]
                if case .file(let f) = v.backing, let size = cache.files[f]?.size {
                    let last = min(end, v.end)
                    for a in stride(from: addr, to: last, by: Int(Page.size)) {
                        let off = v.pageOffset(of: a)
                        if off < Page.count(covering: size) && cache.files[f]!.pages[off] == nil {
                            guard let fr = allocateFrame(.file) else { break }
                            frames.setOwner(fr, .file(f, page: off))
                            cache.files[f]!.pages[off] = fr; read += 1
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
        let populated = locked ? populate(p, start, end) : 0
        return SyscallResult(result: 0, pagesPopulated: populated)
    }

    /// `msync` / writeback: cleans the dirty page-cache pages of shared file mappings in the range.
    /// Returns pages written.
    mutating func writeback(_ p: ProcessState, _ start: UInt64, _ end: UInt64) -> UInt64 {
        var written: UInt64 = 0
        var addr = start
        while addr < end, let i = p.space.find(addr) {
            let v = p.space[i]
            if v.isShared, case .file(let f) = v.backing {
                let lo = v.pageOffset(of: max(addr, v.start)), hi = v.pageOffset(of: min(end, v.end) - 1)
                let dirty = cache.files[f]?.dirty.filter { $0 >= lo && $0 <= hi } ?? []
                cache.files[f]?.dirty.subtract(dirty)
                written += UInt64(dirty.count)
                for vpn in p.table.mappedPages(Page.number(of: max(addr, v.start)), Page.number(of: min(end, v.end))) {
                    if var e = p.table.entry(vpn), e.flags.contains(.dirty) {
                        e.flags.remove([.dirty, .writable]); p.table.update(vpn, e)
                    }
                }
            }
            addr = v.end
        }
        stats.pgpgout += written * 4
        return written
    }
}
