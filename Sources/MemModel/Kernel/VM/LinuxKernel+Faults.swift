import MemTrace

extension LinuxKernel {
    /// Resolves an access page by page (an access crossing a page boundary touches both pages);
    /// the outcome is the first page's unless the second faults.
    public mutating func access(_ access: MemoryAccess, pid: ProcessID) -> Translation {
        enter(pid)
        let faultMark = (stats.pgfault, stats.pgmajfault); defer { noteMemcgFaults(since: faultMark); settleIfNeeded() }
        guard let p = processFor(pid), p.alive else { return Translation(fault: .processDead, frame: PageFrameNumber(0), vma: .none) }
        var write = access.kind.writes
        var exec = access.kind.fetches
        if access.kind == .touchAny, let vi = p.space.lookup(access.address.rawValue) {
            // A fault of unknown direction: a write where the VMA allows writing (a program's first
            // touch of writable memory is mostly a write), a fetch where it allows only execution.
            let prot = p.space.areas[vi].prot
            write = prot.contains(.write)
            exec = !write && !prot.contains(.read) && prot.contains(.execute)
        }
        if access.kind.isTouch && p.space.lookup(access.address.rawValue) == nil && expandStack(p, access.address.rawValue) == nil {
            holdTouch(pid, Page.number(of: access.address.rawValue), write: write, exec: exec)
            return Translation(fault: .touchDeferred, frame: PageFrameNumber(0), vma: .none)
        }
        if access.kind.isTouch && !touchIsValid(p, Page.number(of: access.address.rawValue), write: write, exec: exec) {
            if write && !exec, let t = relocationWrite(p, Page.number(of: access.address.rawValue)) { return t }
            if unprotectReserve(p, Page.number(of: access.address.rawValue)) { return self.access(access, pid: pid) }
            stats.touchesIgnored += 1
            return Translation(fault: .touchIgnored, frame: PageFrameNumber(0), vma: p.space.lookup(access.address.rawValue).map { p.space.areas[$0].id } ?? .none)
        }
        let first = Page.number(of: access.address.rawValue)
        let last = Page.number(of: access.address.rawValue &+ UInt64(max(access.size, 1)) &- 1)
        var t = touch(p, first, write: write, exec: exec)
        if last != first && p.alive && !t.fault.isSignal {
            let t2 = touch(p, last, write: write, exec: exec)
            if t2.fault != .none { t = t2 }
        }
        return t
    }

    /// True when a fault-derived touch of page `vpn` is one the model can fault in: a VMA covers
    /// it (or the stack may grow to it), the VMA allows the access (x86 `access_error`), and a file
    /// page lies within the file (else `filemap_fault` would raise SIGBUS). A touch that fails
    /// these checks was a fault the real program survived; it must not kill the modelled process.
    mutating func touchIsValid(_ p: ProcessState, _ vpn: UInt64, write: Bool, exec: Bool) -> Bool {
        let address = Page.address(ofNumber: vpn)
        guard let vi = p.space.lookup(address) ?? expandStack(p, address) else { return false }
        let vma = p.space.areas[vi]
        if (write && !vma.prot.contains(.write)) || (exec && !vma.prot.contains(.execute)) || vma.prot.isEmpty { return false }
        if case .file(let file) = vma.backing {
            guard let size = cache.size(of: file), vma.pageOffset(of: address) < Page.count(covering: size) else { return false }
        }
        return true
    }

    /// A fault-derived store to a private file mapping that is read-only now: ld.so relocating a
    /// RELRO range (or a data segment it later protects) before its mprotect(PROT_READ). An image's
    /// start-up faults are merged after its regions, which show the final protection, so the real
    /// kernel took this copy-on-write fault while the range was still writable. The model takes it
    /// now (`do_cow_fault`, or `wp_page_copy` when the file page is mapped already) and leaves the
    /// PTE read-only, as the mprotect did. Nil when the touch is not such a store.
    mutating func relocationWrite(_ p: ProcessState, _ vpn: UInt64) -> Translation? {
        let address = Page.address(ofNumber: vpn)
        guard let vi = p.space.lookup(address) else { return nil }
        let vma = p.space.areas[vi]
        guard !vma.isShared, vma.prot.contains(.read), !vma.prot.contains(.write), case .file(let file) = vma.backing,
              let size = cache.size(of: file), vma.pageOffset(of: address) < Page.count(covering: size) else { return nil }
        let t: Translation
        if let e = p.table.entry(vpn) {
            // Already the private copy: the model has nothing left to do for this fault.
            if e.flags.contains(.anonymous) { return Translation(fault: .none, frame: e.frame, vma: vma.id) }
            stats.pgfault += 1
            t = writeProtectFault(p, vi, vpn, e)
        } else {
            stats.pgfault += 1
            t = fileFault(p, vma, vpn, file: file, write: true)
        }
        if var e = p.table.entry(vpn), e.flags.contains(.writable) { e.flags.remove(.writable); p.table.update(vpn, e) }
        return t
    }

    /// One page touched by `p`: `handle_mm_fault` when the PTE is missing or forbids the write,
    /// after the x86 `access_error` checks (arch/x86/mm/fault.c).
    @usableFromInline
    mutating func touch(_ p: ProcessState, _ vpn: UInt64, write: Bool, exec: Bool) -> Translation {
        let address = Page.address(ofNumber: vpn)
        guard let vi = p.space.lookup(address) ?? expandStack(p, address) else {
            stats.segv += 1
            kill(p, signal: 11)
            return Translation(fault: .segvMapErr, frame: PageFrameNumber(0), vma: .none)
        }
        let prot = p.space.areas[vi].prot
        let id = p.space.areas[vi].id
        if (write && !prot.contains(.write)) || (exec && !prot.contains(.execute)) || prot.isEmpty {
            stats.segv += 1
            kill(p, signal: 11)
            return Translation(fault: .segvAccErr, frame: PageFrameNumber(0), vma: id)
        }
        // The VMA and address a page allocation of this fault is placed by (`vma_alloc_folio`).
        if numa.engaged { faultVMA = p.space.areas[vi]; faultAddress = address }
        defer { if numa.engaged { faultVMA = nil } }
        if var e = p.table.entry(vpn) {
            if !write || e.flags.contains(.writable) {
                // The hardware sets the accessed bit, and the dirty bit on a write (what reclaim's
                // `folio_referenced` and `try_to_unmap` read back).
                let bits: PTEFlags = write ? [.accessed, .dirty] : .accessed
                if !e.flags.isSuperset(of: bits) { e.flags.formUnion(bits); p.table.update(vpn, e) }
                return Translation(fault: .none, frame: e.frame, vma: id)
            }
            stats.pgfault += 1
            return writeProtectFault(p, vi, vpn, e)
        }
        if p.table.hasHuge, var h = p.table.hugeEntry(vpn) {
            let frame = PageFrameNumber(h.frame.rawValue + HugePage.index(ofNumber: vpn))
            if !write || h.flags.contains(.writable) {
                let bits: PTEFlags = write ? [.accessed, .dirty] : .accessed
                if !h.flags.isSuperset(of: bits) { h.flags.formUnion(bits); p.table.updateHuge(HugePage.firstPage(ofNumber: vpn), h) }
                return Translation(fault: .none, frame: frame, vma: id)
            }
            stats.pgfault += 1
            return hugeWriteProtectFault(p, vi, vpn, h)
        }
        if p.table.hasSwapEntries, let e = p.table.swapEntry(vpn) {
            stats.pgfault += 1
            return swapInFault(p, vi, vpn, e, write: write)
        }
        stats.pgfault += 1
        let vma = p.space.areas[vi]
        switch vma.backing {
        case .anonymous:
            if vm.thpEnabled != .never, let t = hugeAnonymousFault(p, vi, vpn, write: write) { return t }
            if !write {
                guard install(p, vpn, frames.zeroPage, []) else { return oom(p, id) }
                return Translation(fault: .anonZeroPage, frame: frames.zeroPage, vma: id)
            }
            guard let f = allocateFrame(.anonymous) else { return oom(p, id) }
            guard install(p, vpn, f, [.writable, .anonymous, .dirty]) else { freeFrame(f); return oom(p, id) }
            frames.setOwner(f, .anonymous(prepareAnonVMA(p, vi), vpn: vpn))
            return Translation(fault: .anonNew, frame: f, vma: id)
        case .shmem(let object):
            let pgoff = vma.pageOffset(of: address)
            var kind = FaultKind.shmemMinor
            var frame = cache.shmemPage(object, pgoff)
            if frame == nil, let e = cache.shmem[object]?.swapped[pgoff] {
                guard let (f, major) = shmemSwapIn(object, pgoff, e), p.alive else { return p.alive ? oom(p, id) : Translation(fault: .oom, frame: PageFrameNumber(0), vma: id) }
                frame = f; kind = major ? .swapInMajor : .swapIn
            }
            if frame == nil {
                guard let f = allocateFrame(.shmem) else { return oom(p, id) }
                frames.setOwner(f, .shmem(object, page: pgoff))
                cache.insertShmemPage(object, pgoff, f)
                frame = f; kind = .shmemNew
            }
            let flags: PTEFlags = vma.prot.contains(.write) ? [.shmem, .writable] : [.shmem]
            guard install(p, vpn, frame!, write ? flags.union(.dirty) : flags) else { return oom(p, id) }
            return Translation(fault: kind, frame: frame!, vma: id)
        case .file(let file):
            return fileFault(p, vma, vpn, file: file, write: write)
        }
    }

    @usableFromInline mutating func oom(_ p: ProcessState, _ vma: VMAID) -> Translation {
        kill(p, signal: 9)
        return Translation(fault: .oom, frame: PageFrameNumber(0), vma: vma)
    }

    /// A write to a present PTE without write permission (`do_wp_page`): the zero page is
    /// replaced, an exclusive anonymous page reused, a shared one copied, a shared file page made
    /// writable and dirty (page_mkwrite).
    mutating func writeProtectFault(_ p: ProcessState, _ vi: Int, _ vpn: UInt64, _ e: PageTableEntry) -> Translation {
        let id = p.space.areas[vi].id
        queueTLBInvalidate(p.pid, Page.address(ofNumber: vpn), Page.address(ofNumber: vpn + 1))
        if p.space.areas[vi].isShared {
            var n = e; n.flags.formUnion([.writable, .dirty]); p.table.update(vpn, n)
            if case .file(let file) = p.space.areas[vi].backing {
                dirtyFilePage(file, p.space.areas[vi].pageOffset(of: Page.address(ofNumber: vpn)))   // fault_dirty_shared_page
            }
            return Translation(fault: .fileWriteNotify, frame: e.frame, vma: id)
        }
        // Exclusive: one PTE maps it and no PMD maps the THP it belongs to (`wp_can_reuse_anon_folio`).
        // A swap-cache page another swap entry still names is shared too (`folio_free_swap` fails).
        if e.frame != frames.zeroPage && e.flags.contains(.anonymous) && frames.mapCountOf(e.frame) == 1
            && frames.useOf(e.frame) != .anonHuge && !sharedThroughSwap(e.frame) {
            var n = e; n.flags.formUnion([.writable, .dirty]); p.table.update(vpn, n)
            stats.pgreuse += 1
            return Translation(fault: .cowReuse, frame: e.frame, vma: id)
        }
        // The old page is held while the copy is allocated (`wp_page_copy` has a reference on
        // it): reclaim for the allocation must not swap it out from under the fault.
        let held = e.frame == frames.zeroPage ? nil : frames.lruListOf(e.frame)
        if held != nil { frames.lruDelete(e.frame) }
        let copy = allocateFrame(.anonymous)
        if let l = held, frames.useOf(e.frame) != .free { frames.lruAdd(e.frame, l) }
        guard let f = copy else { return oom(p, id) }
        guard p.alive, p.table.entry(vpn)?.frame == e.frame else {
            // The allocation's OOM kill ended this process, or its page went away meanwhile.
            freeFrame(f)
            return p.alive ? oom(p, id) : Translation(fault: .oom, frame: PageFrameNumber(0), vma: id)
        }
        let wasZero = e.frame == frames.zeroPage
        zap(p, vpn)
        guard install(p, vpn, f, [.writable, .anonymous, .dirty]) else { freeFrame(f); return oom(p, id) }
        if !wasZero { stats.cowCopies += 1 }
        frames.setOwner(f, .anonymous(prepareAnonVMA(p, vi), vpn: vpn))
        return Translation(fault: wasZero ? .zeroPageCopy : .cowCopy, frame: f, vma: id)
    }

    /// A fault on a file mapping (`do_read_fault`, `do_cow_fault`, `do_shared_fault` with
    /// `filemap_fault`): SIGBUS beyond EOF; a cache miss reads the read-around window (major);
    /// a read fault first maps cached neighbours by fault-around.
    mutating func fileFault(_ p: ProcessState, _ vma: VirtualMemoryArea, _ vpn: UInt64, file: FileID, write: Bool) -> Translation {
        let address = Page.address(ofNumber: vpn)
        let pgoff = vma.pageOffset(of: address)
        guard let size = cache.size(of: file), pgoff < Page.count(covering: size) else {
            stats.sigbus += 1
            kill(p, signal: 7)
            return Translation(fault: .sigbus, frame: PageFrameNumber(0), vma: vma.id)
        }
        let tmpfs = cache.isTmpfs(file)
        if configuration.pageCacheWarm == true && !tmpfs { warmPageCache(vma, vpn, file: file, write: write) }
        if !write && !tmpfs { faultAround(p, vma, vpn, file: file) }
        if let e = p.table.entry(vpn), !write {
            return Translation(fault: .fileMinor, frame: e.frame, vma: vma.id)
        }
        var major = false
        var created = false
        if tmpfs && cache.page(file, pgoff) == nil {
            // shmem_fault: tmpfs pages are created zero-filled, never read from storage.
            guard let f = allocateFrame(.shmem) else { return oom(p, vma.id) }
            addToPageCache(file, pgoff, f)
            created = true
        } else if cache.page(file, pgoff) == nil {
            guard readAround(file, pgoff, fileSize: size, random: vma.flags.contains(.randomRead)) else { return oom(p, vma.id) }
            major = true
            stats.pgmajfault += 1
        }
        // Reclaim for the read-around's later pages may have evicted this one (the kernel's
        // folio is locked until the fault maps it): read it again alone (`filemap_fault` retries).
        if cache.page(file, pgoff) == nil {
            guard let f = allocateFrame(.file) else { return oom(p, vma.id) }
            addToPageCache(file, pgoff, f)
            stats.pgpgin += 4
        }
        let cached = cache.page(file, pgoff)!
        if write && !vma.isShared {
            guard let f = allocateFrame(.anonymous) else { return oom(p, vma.id) }
            guard install(p, vpn, f, [.writable, .anonymous, .dirty]) else { freeFrame(f); return oom(p, vma.id) }
            if let vi = p.space.find(Page.address(ofNumber: vpn)) { prepareAnonVMA(p, vi) }
            if let vi = p.space.find(Page.address(ofNumber: vpn)) { frames.setOwner(f, .anonymous(p.space.areas[vi].anonVMA, vpn: vpn)) }
            return Translation(fault: major ? .fileCowMajor : .fileCow, frame: f, vma: vma.id)
        }
        var flags: PTEFlags = tmpfs ? [.shmem] : []
        if write {
            flags.formUnion([.writable, .dirty])
            dirtyFilePage(file, pgoff)      // a no-op for tmpfs: shmem has no dirty accounting
        } else if tmpfs && vma.isShared && vma.prot.contains(.write) {
            flags.insert(.writable)      // shmem has no page_mkwrite: shared writable PTEs start writable
        }
        guard install(p, vpn, cached, flags) else { return oom(p, vma.id) }
        if tmpfs { return Translation(fault: created ? .shmemNew : .shmemMinor, frame: cached, vma: vma.id) }
        return Translation(fault: major ? .fileMajor : .fileMinor, frame: cached, vma: vma.id)
    }

    /// `do_fault_around`: maps the cached pages of the aligned `fault_around_bytes` window around
    /// `vpn`, clipped to the VMA, the PMD and the file's end, without counting faults.
    mutating func faultAround(_ p: ProcessState, _ vma: VirtualMemoryArea, _ vpn: UInt64, file: FileID) {
        let window = Page.count(in: UInt64(configuration.faultAroundBytes))
        guard window > 1, let size = cache.size(of: file) else { return }
        let pmdStart = HugePage.firstPage(ofNumber: vpn)
        let start = max((vpn / window) * window, Page.number(of: vma.start), pmdStart)
        let end = min((vpn / window) * window + window, Page.number(of: vma.end), pmdStart + HugePage.pages)
        let filePages = Page.count(covering: size)
        for v in start..<end where p.table.entry(v) == nil && p.table.swapEntry(v) == nil {
            let off = vma.pageOffset(of: Page.address(ofNumber: v))
            guard off < filePages, let frame = cache.page(file, off) else { continue }
            _ = install(p, v, frame, [])
        }
    }

    /// `page_cache=warm`: the file's pages were cached before the trace started (the host that
    /// recorded it had just run the program), so the page a fault needs and, for a read fault, the
    /// fault-around window `do_fault_around` maps are cached now, without I/O and without a major
    /// fault. Best effort: stops when memory runs out (the fault then reads as usual).
    mutating func warmPageCache(_ vma: VirtualMemoryArea, _ vpn: UInt64, file: FileID, write: Bool) {
        guard let size = cache.size(of: file) else { return }
        let filePages = Page.count(covering: size)
        var start = vpn, end = vpn + 1
        let window = Page.count(in: UInt64(configuration.faultAroundBytes))
        if !write && window > 1 {
            let pmdStart = HugePage.firstPage(ofNumber: vpn)
            start = max((vpn / window) * window, Page.number(of: vma.start), pmdStart)
            end = min((vpn / window) * window + window, Page.number(of: vma.end), pmdStart + HugePage.pages)
        }
        for v in start..<end {
            let off = vma.pageOffset(of: Page.address(ofNumber: v))
            guard off < filePages else { break }
            if cache.page(file, off) != nil { continue }
            guard let frame = allocateFrame(.file) else { return }
            addToPageCache(file, off, frame)
        }
    }

    /// `page_cache_sync_ra` / read-around: brings the `ra_pages` window centred on `pgoff` into the
    /// page cache (only the faulting page under MADV_RANDOM). False when memory ran out.
    mutating func readAround(_ file: FileID, _ pgoff: UInt64, fileSize: UInt64, random: Bool) -> Bool {
        let ra = random ? 1 : UInt64(configuration.readAroundPages)
        let filePages = Page.count(covering: fileSize)
        let start = pgoff >= ra / 2 ? pgoff - ra / 2 : 0
        let end = min(start + ra, filePages)
        var read: UInt64 = 0
        for off in start..<max(end, pgoff + 1) where cache.page(file, off) == nil {
            guard let f = allocateFrame(.file) else { return cache.page(file, pgoff) != nil }
            addToPageCache(file, off, f)
            read += 1
        }
        stats.pgpgin += read * 4
        return true
    }
}
