import MemTrace

extension LinuxKernel {
    /// Carries out a memory system call. Where the trace recorded a successful address (mmap,
    /// mremap), the model places the mapping there so later accesses line up; where it recorded
    /// nothing (result 0, as synthesized traces do), the model chooses as the kernel would.
    public mutating func memory(_ call: MemoryCall, pid: ProcessID, name: String) -> SyscallResult {
        enter(pid)
        defer { settleIfNeeded() }
        defer { if tasks.holdsTouches { retryHeldTouches(pid) } }
        guard let p = processFor(pid) else { return SyscallResult(errno: .enomem) }
        guard p.alive else { return SyscallResult(errno: .einval) }
        // Ranges past TASK_SIZE (or wrapping around) are refused before any arithmetic on them.
        switch call.op {
        case .munmap, .madvise, .mprotect, .mlock, .munlock:
            guard call.length <= LinuxKernel.taskSize, call.address.rawValue <= LinuxKernel.taskSize - call.length else {
                return SyscallResult(errno: call.op == .munmap || call.op == .madvise ? .einval : .enomem)
            }
        case .mremap:
            guard call.length <= LinuxKernel.taskSize, call.newLength <= LinuxKernel.taskSize,
                  call.address.rawValue <= LinuxKernel.taskSize - call.length else { return SyscallResult(errno: .einval) }
        case .region:
            guard call.length < 1 << 48, call.address.rawValue <= UInt64.max - (1 << 48) else { return SyscallResult(errno: .einval) }
        default: break
        }
        switch call.op {
        case .mmap: return mmap(p, call, name: name)
        case .region: return region(p, call, name: name)
        case .munmap:
            guard Page.isAligned(call.address.rawValue), call.length > 0 else { return SyscallResult(errno: .einval) }
            let freed = unmap(p, call.address.rawValue, Page.alignUp(call.length))
            return SyscallResult(result: 0, pagesFreed: freed)
        case .mprotect: return mprotect(p, call)
        case .madvise: return madvise(p, call)
        case .brk: return brk(p, call)
        case .mremap: return mremap(p, call)
        case .mlock, .munlock:
            let start = Page.alignDown(call.address.rawValue), end = Page.alignUp(call.address.rawValue + call.length)
            guard p.space.isFullyMapped(start, end) else { return SyscallResult(errno: .enomem) }
            return setLocked(p, start, end, locked: call.op == .mlock)
        case .mlockall:
            guard call.mlockallFlags.contains(.current), let first = p.space.areas.first, let last = p.space.areas.last else { return SyscallResult(result: 0) }
            return setLocked(p, first.start, last.end, locked: true)
        case .munlockall:
            guard let first = p.space.areas.first, let last = p.space.areas.last else { return SyscallResult(result: 0) }
            return setLocked(p, first.start, last.end, locked: false)
        case .msync: return msync(p, call)
        case .setMempolicy: return setMempolicy(p, call)
        case .mbind: return mbind(p, call)
        }
    }

    /// `do_mmap` + `mmap_region` (mm/mmap.c): placement, MAP_FIXED unmapping, MAP_FIXED_NOREPLACE,
    /// the map count limit, merging, and populate for MAP_POPULATE / MAP_LOCKED.
    mutating func mmap(_ p: ProcessState, _ call: MemoryCall, name: String) -> SyscallResult {
        if call.result < 0 { return SyscallResult(result: call.result) }      // the real call failed: so does the model's
        let flags = call.mapFlags
        // A shared anonymous mapping's offset is its shmem inode in recorded traces (pgoff is unused).
        let sharedAnonymous = flags.contains(.shared) && (flags.contains(.anonymous) || call.file == .anonymous)
        guard call.length > 0, Page.isAligned(call.offset) || sharedAnonymous else { return SyscallResult(errno: .einval) }
        let length = Page.alignUp(call.length)
        guard length >= call.length else { return SyscallResult(errno: .enomem) }
        // do_mmap: the file offset may not wrap (EOVERFLOW).
        guard sharedAnonymous || call.offset <= UInt64.max - length else { return SyscallResult(errno: .eoverflow) }
        let limits = vm
        guard p.space.count < limits.maxMapCount else { return SyscallResult(errno: .enomem) }
        // mlock_future_ok: MAP_LOCKED beyond RLIMIT_MEMLOCK (the model's processes lack CAP_IPC_LOCK).
        if flags.contains(.locked) && Page.bytes(lockedPages(p) + Page.count(in: length)) > limits.rlimitMemlock {
            return SyscallResult(errno: .eagain)
        }
        var start: UInt64
        if call.result > 0 {
            start = UInt64(call.result)
        } else if flags.contains(.fixed) || flags.contains(.fixedNoReplace) {
            start = call.address.rawValue
            guard Page.isAligned(start) else { return SyscallResult(errno: .einval) }
        } else {
            let hint = Page.alignDown(call.address.rawValue)
            if hint >= LinuxKernel.mmapMinAddr && length <= LinuxKernel.taskSize && hint <= LinuxKernel.taskSize - length
                && !p.space.overlaps(hint, hint + length) {
                start = hint
            } else if let g = placeMapping(p, length: length, thpAlign: limits.thpAlignAnonymous && hint == 0
                                            && !flags.contains(.shared) && (flags.contains(.anonymous) || call.file == .anonymous)
                                            && HugePage.isAligned(length)) {
                start = g
            } else { return SyscallResult(errno: .enomem) }
        }
        guard length <= LinuxKernel.taskSize, start <= LinuxKernel.taskSize + Page.size - length else { return SyscallResult(errno: .enomem) }
        if flags.contains(.fixedNoReplace) && call.result <= 0 && p.space.overlaps(start, start + length) {
            return SyscallResult(errno: .eexist)
        }
        let shared = flags.contains(.shared)
        // may_expand_vm: RLIMIT_AS for every mapping, RLIMIT_DATA for private writable ones.
        if call.result <= 0 {
            let replaced = mappedBytes(p, start, start + length)
            if Page.bytes(p.space.totalPages) - replaced + length > limits.rlimitAS { return SyscallResult(errno: .enomem) }
            if !shared && call.prot.contains(.write) && Page.bytes(dataPages(p)) + length > limits.rlimitData {
                return SyscallResult(errno: .enomem)
            }
        }
        var freed: UInt64 = 0
        if p.space.overlaps(start, start + length) { freed = unmap(p, start, length) }
        var vflags: VMAFlags = shared ? [.shared] : []
        if flags.contains(.growsDown) { vflags.insert(.growsDown) }
        if flags.contains(.locked) { vflags.insert(.locked) }
        // do_mmap: MAP_NORESERVE is honoured unless vm.overcommit_memory is 2.
        if flags.contains(.noReserve) && commit.policy.mode != .never { vflags.insert(.noReserve) }
        let backing: VMABacking
        var offset = call.offset
        var vmaName = name
        if flags.contains(.anonymous) || call.file == .anonymous {
            if shared {
                // shmem_zero_setup: the object's size is charged (`shmem_acct_size`) unless VM_NORESERVE.
                guard let reserved = shmemAccountSize(p, length, noReserve: vflags.contains(.noReserve)) else {
                    return SyscallResult(errno: .enomem)
                }
                // The recorder passes the shmem inode in the offset a shared anonymous mapping ignores.
                backing = cache.createShmem(inode: call.offset != 0 ? call.offset : nil, reserved: reserved)
                offset = 0
                vmaName = "/dev/zero (deleted)"
            } else {
                backing = .anonymous
                offset = start     // anon private pgoff = addr >> PAGE_SHIFT, so neighbours merge
            }
        } else {
            guard let path = cache.path(of: call.file) else { return SyscallResult(errno: .ebadf) }
            backing = .file(call.file)
            if vmaName.isEmpty { vmaName = path }
        }
        // mmap_region (`accountable_mapping`): a private writable mapping is charged to the commit,
        // after the MAP_FIXED unmapping above; refused, the call fails with ENOMEM.
        if !shared && !vflags.contains(.noReserve) && call.prot.contains(.write) {
            guard vmEnoughMemory(p, Page.count(in: length)) else { return SyscallResult(errno: .enomem) }
            vflags.insert(.account)
        }
        let vma = VirtualMemoryArea(id: newVMAID(), start: start, end: start + length, prot: call.prot, flags: vflags,
                                    backing: backing, offset: offset, name: vmaName)
        let id = insertVMA(p, vma)
        var populated: UInt64 = 0
        if flags.contains(.populate) || flags.contains(.locked) {
            populated = populate(p, start, start + length)
        }
        return SyscallResult(result: Int64(start), vma: id, pagesFreed: freed, pagesPopulated: populated)
    }

    /// Installs a mapping found in /proc/PID/maps (start of trace, or after exec).
    mutating func region(_ p: ProcessState, _ call: MemoryCall, name: String) -> SyscallResult {
        let start = Page.alignDown(call.address.rawValue), end = Page.alignUp(call.address.rawValue + call.length)
        guard end > start else { return SyscallResult(errno: .einval) }
        if call.mapFlags.contains(.fixedNoReplace) && p.space.overlaps(start, end) {
            // A later maps snapshot (after dlopen or pthread_create): what is mapped already is
            // the model's own, with its pages; only the holes are new.
            var cursor = start, last = SyscallResult(result: Int64(bitPattern: start))
            for v in p.space.areas where v.end > start && v.start < end {
                if v.start > cursor { last = regionHole(p, call, cursor, v.start, name: name) }
                cursor = max(cursor, v.end)
                if call.flags & MemoryCall.snapshotSync != 0 && v.prot != call.prot && sameBacking(v, call, start) {
                    _ = mprotect(p, MemoryCall(op: .mprotect, address: VirtualAddress(max(v.start, start)),
                                               length: min(v.end, end) - max(v.start, start), prot: call.prot))
                }
            }
            if cursor < end { last = regionHole(p, call, cursor, end, name: name) }
            return last
        }
        if p.space.overlaps(start, end) { unmap(p, start, end - start) }
        var vflags: VMAFlags = call.mapFlags.contains(.shared) ? [.shared] : []
        // A region the trace marks MAP_NORESERVE (the recorder's own stack arena) is VM_NORESERVE,
        // uncharged, and so apart from a charged neighbour, as do_mmap made it.
        if call.mapFlags.contains(.noReserve) && commit.policy.mode != .never { vflags.insert(.noReserve) }
        let backing: VMABacking
        var offset = call.offset
        if name == "[stack]" { vflags.insert(.growsDown) }
        if name == "[heap]" {
            vflags.insert(.heap)
            if p.startBrk == 0 { p.startBrk = start }
            p.brk = max(p.brk, end)
        }
        // What the process had when the trace saw it was charged then: charged again here without
        // asking (`vm_acct_memory`), the VMA's pages (VM_ACCOUNT) or a shmem object's size.
        if call.file != .anonymous, cache.contains(call.file) {
            backing = .file(call.file)
        } else if vflags.contains(.shared) {
            commit.charge(Page.count(in: end - start))
            backing = cache.createShmem(reserved: Page.count(in: end - start))
        } else {
            backing = .anonymous; offset = start
        }
        if !vflags.contains(.shared) && !vflags.contains(.noReserve) && call.prot.contains(.write) {
            vflags.insert(.account)
            commit.charge(Page.count(in: end - start))
        }
        let vma = VirtualMemoryArea(id: newVMAID(), start: start, end: end, prot: call.prot, flags: vflags,
                                    backing: backing, offset: offset, name: name)
        return SyscallResult(result: Int64(bitPattern: start), vma: insertVMA(p, vma, merge: false))
    }

    /// True when VMA `v` maps what a snapshot's region starting at `start` says is there: both
    /// private anonymous memory, or the same file at the same offsets.
    func sameBacking(_ v: VirtualMemoryArea, _ call: MemoryCall, _ start: UInt64) -> Bool {
        guard v.isShared == call.mapFlags.contains(.shared) else { return false }
        switch v.backing {
        case .anonymous: return call.file == .anonymous
        case .shmem: return false
        case .file(let f): return f == call.file && v.offset &- v.start == call.offset &- start
        }
    }

    /// The part [from, to) of a no-replace `region` that nothing maps yet, as a region of its own.
    mutating func regionHole(_ p: ProcessState, _ call: MemoryCall, _ from: UInt64, _ to: UInt64, name: String) -> SyscallResult {
        var part = call
        part.address = VirtualAddress(from)
        part.length = to - from
        part.offset = call.offset &+ (from - Page.alignDown(call.address.rawValue))
        part.flags &= ~(MapFlags.fixedNoReplace.rawValue | MemoryCall.snapshotSync)
        return region(p, part, name: name)
    }

    /// Merges neighbours made compatible by a protection or flag change in [start, end],
    /// reporting the VMAs merged away.
    mutating func mergeAfterChange(_ p: ProcessState, _ start: UInt64, _ end: UInt64) {
        for g in p.space.mergeAround(start, end) {
            changes.append(.vmaRemoved(pid: p.pid, vma: g))
            releaseMapping(g.backing)
        }
    }

    /// Inserts a VMA, counting shmem references and reporting the change (and any merge).
    @discardableResult
    mutating func insertVMA(_ p: ProcessState, _ vma: VirtualMemoryArea, merge: Bool = true) -> VMAID {
        cache.mapped(vma.backing)
        let (id, merged) = p.space.insert(vma, merge: merge)
        for m in merged {
            if m != vma.id { changes.append(.vmaRemoved(pid: p.pid, vma: vma.withID(m))) }
            releaseMapping(vma.backing)
        }
        if let i = p.space.find(vma.start) { changes.append(.vmaChanged(pid: p.pid, vma: p.space[i])) }
        let total = p.space.totalPages
        if total > p.hiwaterVM { p.hiwaterVM = total }
        return id
    }

    /// Unmaps [start, start+length): splits straddling VMAs, zaps PTEs, releases shmem objects no
    /// VMA maps any more. Returns the frames freed.
    @discardableResult
    mutating func unmap(_ p: ProcessState, _ start: UInt64, _ length: UInt64) -> UInt64 {
        let end = start + length
        var freed: UInt64 = 0
        queueTLBInvalidate(p.pid, start, end)
        freed += zapHugeRange(p, start, end)
        for vpn in p.table.mappedPages(Page.number(of: start), Page.number(of: end)) { freed += zap(p, vpn) }
        freed += zapSwapEntries(p, start, end)
        let (removed, created) = p.space.remove(start, end) { self.newVMAID() }
        for c in created { cache.mapped(c.backing) }
        for r in removed {
            changes.append(.vmaRemoved(pid: p.pid, vma: r))
            if r.flags.contains(.account) { commit.uncharge(r.pages) }     // remove_vma's vm_unacct_memory
            freed += releaseMapping(r.backing)
        }
        for i in p.space.areas.indices where p.space.areas[i].end == start || p.space.areas[i].start == end {
            changes.append(.vmaChanged(pid: p.pid, vma: p.space.areas[i]))
        }
        return freed
    }

    /// A VMA over `backing` went away: a shmem object whose last VMA it was goes with its pages
    /// (`PageCache.unmapped`) and its size charge (`shmem_evict_inode` → `shmem_unacct_size`).
    /// Returns the frames freed.
    @discardableResult
    mutating func releaseMapping(_ backing: VMABacking) -> UInt64 {
        let reserved: UInt64
        if case .shmem(let o) = backing { reserved = cache.shmem[o]?.reserved ?? 0 } else { reserved = 0 }
        let orphaned = cache.unmapped(backing)
        for f in orphaned.frames { freeFrame(f) }
        // `shmem_undo_range` → `free_swap_and_cache` for the object's pages in swap.
        var freed = UInt64(orphaned.frames.count)
        for e in orphaned.swapped { freed += freeSwapAndCache(e) }
        if case .shmem(let o) = backing, cache.shmem[o] == nil { commit.uncharge(reserved) }
        return freed
    }

    /// Faults in every page of [start, end) as `populate_vma_page_range` does: write faults for
    /// private writable VMAs, read faults otherwise. Returns pages faulted.
    mutating func populate(_ p: ProcessState, _ start: UInt64, _ end: UInt64) -> UInt64 {
        var n: UInt64 = 0
        var vpn = Page.number(of: start)
        while vpn < Page.number(of: end) && p.alive {
            guard let i = p.space.find(Page.address(ofNumber: vpn)) else { vpn += 1; continue }
            let v = p.space[i]
            let write = !v.isShared && v.prot.contains(.write)
            let e = p.table.translate(vpn)
            if e == nil || (write && !e!.flags.contains(.writable)) {
                let t = touch(p, vpn, write: write, exec: false)
                if t.fault.isFault { n += 1; changes.append(.fault(pid: p.pid, address: Page.address(ofNumber: vpn), kind: t.fault, vma: t.vma, frame: t.frame)) }
            }
            vpn += 1
        }
        return n
    }

    /// The page range [start, end) a madvise or mprotect call covers, or the result it ends with
    /// first: EINVAL for an unaligned start, 0 for an empty (or wrapping) range, ENOMEM when a page
    /// of it is not mapped (`madvise_walk_vmas` in mm/madvise.c, `do_mprotect_pkey` in mm/mprotect.c).
    func mappedRange(_ p: ProcessState, _ call: MemoryCall) -> (start: UInt64, end: UInt64, refused: SyscallResult?) {
        let start = call.address.rawValue
        guard Page.isAligned(start) else { return (0, 0, SyscallResult(errno: .einval)) }
        let end = Page.alignUp(start + call.length)
        guard end > start else { return (0, 0, SyscallResult(result: 0)) }
        guard p.space.isFullyMapped(start, end) else { return (0, 0, SyscallResult(errno: .enomem)) }
        return (start, end, nil)
    }

    /// `mprotect_fixup`: re-protects fully mapped ranges; making a writable private PTE read-only
    /// clears its write bit (the next write faults); making a private range writable charges it.
    mutating func mprotect(_ p: ProcessState, _ call: MemoryCall) -> SyscallResult {
        let (start, requestedEnd, refused) = mappedRange(p, call)
        if let refused { return refused }
        // mprotect_fixup, VMA by VMA: making writable a private range that was neither writable nor
        // charged (VM_ACCOUNT, VM_SHARED, VM_NORESERVE) charges it; a refusal ends the call with
        // ENOMEM, the VMAs before it changed.
        var end = requestedEnd
        var charged: [(start: UInt64, end: UInt64)] = []
        if call.prot.contains(.write) {
            for v in p.space.areas where v.end > start && v.start < requestedEnd && !v.prot.contains(.write)
                && v.flags.isDisjoint(with: [.shared, .noReserve, .account]) {
                let range = (start: max(v.start, start), end: min(v.end, requestedEnd))
                guard vmEnoughMemory(p, Page.count(in: range.end - range.start)) else { end = range.start; break }
                charged.append(range)
            }
        }
        guard end > start else { return SyscallResult(errno: .enomem) }
        splitHugeAt(p, start); splitHugeAt(p, end)
        let (changed, created) = p.space.protect(start, end, call.prot) { self.newVMAID() }
        queueTLBInvalidate(p.pid, start, end)
        if !call.prot.contains(.write) {
            for (vpn, var e) in p.table.hugeMappings(Page.number(of: start), Page.number(of: end)) where e.flags.contains(.writable) {
                e.flags.remove(.writable); p.table.updateHuge(vpn, e)      // change_huge_pmd
            }
        }
        for c in created { cache.mapped(c.backing) }
        if !call.prot.contains(.write) {
            for vpn in p.table.mappedPages(Page.number(of: start), Page.number(of: end)) {
                if var e = p.table.entry(vpn), e.flags.contains(.writable) { e.flags.remove(.writable); p.table.update(vpn, e) }
            }
        }
        for r in charged {
            for i in p.space.areas.indices where p.space.areas[i].start >= r.start && p.space.areas[i].end <= r.end {
                p.space.update(i) { $0.flags.insert(.account) }
            }
        }
        mergeAfterChange(p, start, end)
        for i in p.space.areas.indices where p.space.areas[i].end > start && p.space.areas[i].start < end
            || p.space.areas[i].end == start || p.space.areas[i].start == end {
            changes.append(.vmaChanged(pid: p.pid, vma: p.space.areas[i]))
        }
        guard end == requestedEnd else { return SyscallResult(errno: .enomem) }
        return SyscallResult(result: 0, vma: p.space.find(start).map { p.space[$0].id } ?? changed.first?.id ?? .none)
    }
}

extension VirtualMemoryArea {
    func withID(_ id: VMAID) -> VirtualMemoryArea { var v = self; v.id = id; return v }
}
