import MemTrace

extension LinuxKernel {
    /// Process lifecycle: spawn, fork / vfork (`dup_mmap`: private pages shared copy-on-write,
    /// shared mappings refaulted lazily), exec (a new mm), exit (everything released), threads.
    /// Returns the process concerned and the pages released or write-protected.
    public mutating func process(_ event: ProcessEvent, pid: ProcessID, tid: ThreadID, image: String) -> ProcessResult {
        enter(pid)
        defer { settleIfNeeded() }
        switch event.op {
        case .spawn:
            if let old = tasks[pid], old.alive { teardown(old, status: 0) }
            guard let p = spawn(pid, parent: event.process, image: image) else { return ProcessResult(pid: pid) }
            if tid != .none { p.threads.insert(tid); changes.append(.threadStarted(tid: tid, pid: pid)) }
            return ProcessResult(pid: pid)
        case .fork, .vfork:
            guard let parent = processFor(pid), parent.alive else {
                // A process the model has ended (an OOM kill the real run did not have) cannot
                // fork: no child is created, and the child's own later events are ignored
                // rather than starting an orphan with no parent.
                if tasks[event.process] == nil { tasks.forkFailed(event.process) }
                return ProcessResult(pid: event.process, failedWith: .esrch)
            }
            return fork(parent, child: event.process, childThread: event.thread, sharesMM: event.op == .vfork)
        case .exec:
            guard let p = processFor(pid), p.alive else { return ProcessResult(pid: pid) }
            let freed = releaseMemory(p)
            changes.append(.processExec(pid: pid, image: image))
            p.image = image
            memcgAttachExec(pid, image: image)
            p.startBrk = 0; p.brk = 0
            return ProcessResult(pid: pid, pages: freed)
        case .exit:
            guard let p = tasks[pid], p.alive else { return ProcessResult(pid: pid) }
            return ProcessResult(pid: pid, pages: teardown(p, status: event.status))
        case .threadStart:
            guard let p = processFor(pid) else { return ProcessResult(pid: pid) }
            p.threads.insert(event.thread)
            changes.append(.threadStarted(tid: event.thread, pid: pid))
            return ProcessResult(pid: pid)
        case .threadExit:
            let t = event.thread == .none ? tid : event.thread
            if let p = tasks[pid] { p.threads.remove(t) }
            changes.append(.threadEnded(tid: t, pid: pid))
            return ProcessResult(pid: pid)
        }
    }

    /// `dup_mmap` (kernel/fork.c) and `copy_page_range` with `vma_needs_copy` (mm/memory.c).
    ///
    /// Each VM_ACCOUNT VMA is charged to the commit again, in address order
    /// (`security_vm_enough_memory_mm(oldmm, len)`); a refusal fails the fork with ENOMEM and no
    /// child is created: the charges made are returned (the partial mm's `exit_mmap`), and the
    /// parent keeps the write protection `copy_page_range` gave the VMAs copied before the
    /// refused one. A vfork (`sharesMM`, CLONE_VM) has no `dup_mmap`: it charges nothing, and the
    /// model's copy of the mm carries no VM_ACCOUNT.
    mutating func fork(_ parent: ProcessState, child childPID: ProcessID, childThread: ThreadID, sharesMM: Bool) -> ProcessResult {
        if !sharesMM, let refused = chargeForkCopies(parent) {
            let protected = writeProtectForCopy(parent, parent.space.areas[..<refused])
            if let old = tasks[childPID], old.alive { teardown(old, status: 0) }
            tasks.forkFailed(childPID)
            return ProcessResult(pid: childPID, pages: protected, failedWith: .enomem)
        }
        return ProcessResult(pid: childPID, pages: copyMM(parent, child: childPID, childThread: childThread, accounted: !sharesMM))
    }

    /// `dup_mmap`'s charges: every VM_ACCOUNT VMA of `parent` that fork copies (not VM_DONTCOPY),
    /// in address order. Returns nil when all were charged; else the index of the refused VMA,
    /// with the charges before it returned.
    mutating func chargeForkCopies(_ parent: ProcessState) -> Int? {
        var charged: UInt64 = 0
        for (i, v) in parent.space.areas.enumerated() where !v.flags.contains(.dontFork) && v.flags.contains(.account) {
            guard vmEnoughMemory(parent, v.pages) else { commit.uncharge(charged); return i }
            charged += v.pages
        }
        return nil
    }

    /// The write protection `copy_page_range` gives the parent's private pages in `areas` (those
    /// with an anon_vma), without a child to map them; returns the 4 KiB PTEs write-protected.
    mutating func writeProtectForCopy(_ parent: ProcessState, _ areas: ArraySlice<VirtualMemoryArea>) -> UInt64 {
        var protected: UInt64 = 0
        for v in areas where !v.flags.contains(.dontFork) && !v.isShared && v.anonVMA != 0 {
            for (vpn, var e) in parent.table.hugeMappings(Page.number(of: v.start), Page.number(of: v.end)) where e.flags.contains(.writable) {
                e.flags.remove(.writable); parent.table.updateHuge(vpn, e)
            }
            for vpn in parent.table.mappedPages(Page.number(of: v.start), Page.number(of: v.end)) {
                if var e = parent.table.entry(vpn), e.flags.contains(.writable) { e.flags.remove(.writable); parent.table.update(vpn, e); protected += 1 }
            }
        }
        return protected
    }

    /// The child's mm as `dup_mmap` builds it: each VMA copied (VM_ACCOUNT kept when `accounted`,
    /// the charges made), the private pages of VMAs with an anon_vma shared copy-on-write. Returns
    /// the parent's PTEs write-protected.
    mutating func copyMM(_ parent: ProcessState, child childPID: ProcessID, childThread: ThreadID, accounted: Bool) -> UInt64 {
        if let old = tasks[childPID], old.alive { teardown(old, status: 0) }
        guard let child = spawn(childPID, parent: parent.pid, image: parent.image) else {
            if accounted { for v in parent.space.areas where !v.flags.contains(.dontFork) && v.flags.contains(.account) { commit.uncharge(v.pages) } }
            return 0
        }
        child.startBrk = parent.startBrk; child.brk = parent.brk; child.mmapBase = parent.mmapBase
        child.oomScoreAdj = parent.oomScoreAdj
        if childThread != .none { child.threads.insert(childThread); changes.append(.threadStarted(tid: childThread, pid: childPID)) }
        var protected: UInt64 = 0
        for v in parent.space.areas where !v.flags.contains(.dontFork) {
            var copy = v
            copy.id = newVMAID()
            copy.flags.remove(.locked)
            if !accounted { copy.flags.remove(.account) }
            if copy.anonVMA != 0 { copy.anonVMA = newAnonVMA() }      // anon_vma_fork
            insertVMA(child, copy)
            // `vma_needs_copy`: only VMAs with an anon_vma have their PTEs copied; shared mappings
            // and private ones that never had an anonymous page (text, read-only data, zero-page
            // reads) are left for the child to fault in itself.
            guard !v.isShared, v.anonVMA != 0 else { continue }
            if parent.table.hasHuge { guard copyHugeMappings(parent, child, v) else { return protected } }
            for vpn in parent.table.mappedPages(Page.number(of: v.start), Page.number(of: v.end)) {
                var e = parent.table.entry(vpn)!
                if e.flags.contains(.writable) { e.flags.remove(.writable); parent.table.update(vpn, e); protected += 1 }
                guard install(child, vpn, e.frame, e.flags, young: false) else { return protected }
            }
            // copy_nonpresent_pte: the child's swap entries name the same slots (swap_duplicate).
            for (vpn, e) in parent.table.swapEntries(Page.number(of: v.start), Page.count(covering: v.end)) where swap.duplicate(e) {
                child.table.setSwapEntry(vpn, e)
            }
        }
        return protected
    }

    /// Releases every mapping and page-table page of `p` (exit_mmap); returns frames freed.
    @discardableResult
    mutating func releaseMemory(_ p: ProcessState) -> UInt64 {
        var freed: UInt64 = 0
        if let first = p.space.areas.first, let last = p.space.areas.last {
            freed += unmap(p, first.start, last.end - first.start)
        }
        for f in p.table.allTableFrames.dropFirst() { freeFrame(f); freed += 1 }
        let pgd = p.table.pgd
        p.table = PageTable(pgd: pgd)
        return freed
    }

    /// Ends `p`: releases its memory, the PGD included, and reports the end.
    @discardableResult
    mutating func teardown(_ p: ProcessState, status: Int32) -> UInt64 {
        var freed = releaseMemory(p)
        queueTLBInvalidate(p.pid, 0, 1 << 57)
        freeFrame(p.table.pgd); freed += 1
        for t in p.threads.sorted() { changes.append(.threadEnded(tid: t, pid: p.pid)) }
        tasks.end(p, status: status)
        numa.ended(p.pid)
        changes.append(.processEnded(pid: p.pid, status: status))
        return freed
    }

    /// Installs a process present at the start of the trace, with its regions (files are opened
    /// by path with the region's extent as their known size).
    public mutating func seed(_ process: InitialProcess, files: inout [String: FileID]) {
        ensureUniqueState()
        defer { settleIfNeeded() }
        let pid = ProcessID(process.pid)
        guard let p = tasks[pid] ?? spawn(pid, parent: ProcessID(process.parent), image: process.executable) else { return }
        for r in process.regions where r.end > r.start {
            var file = FileID.anonymous
            if r.path.hasPrefix("/") {
                if let f = files[r.path] { file = f } else {
                    file = FileID(UInt32(0x8000_0000) | UInt32(files.count + 1)); files[r.path] = file
                }
                let extent = r.offset + (r.end - r.start)
                if !cache.contains(file) {
                    cache.open(id: file, path: r.path, size: extent, isTmpfs: LinuxKernel.isTmpfs(r.path),
                               identity: r.inode != 0 ? FileIdentity(device: r.device, inode: r.inode) : nil)
                    changes.append(.fileChanged(id: file, path: r.path, size: extent))
                } else if cache.grow(file, to: extent) {
                    changes.append(.fileChanged(id: file, path: r.path, size: extent))
                }
            }
            let call = MemoryCall(op: .region, address: VirtualAddress(r.start), length: r.end - r.start, prot: r.protection,
                                  flags: r.isShared ? MapFlags.shared.rawValue : MapFlags.private.rawValue, file: file, offset: r.offset)
            _ = region(p, call, name: r.path)
            // Each maps line is its own VMA: keep apart neighbours the kernel kept apart for reasons
            // the line does not show (VM_ACCOUNT left on a RELRO range, a different anon_vma).
            for edge in [Page.alignDown(r.start), Page.alignUp(r.end)] {
                if let s = p.space.split(at: edge, newID: { self.newVMAID() }) { announceSplit(p, s) }
            }
        }
        markRelocationReadOnly(p, process.regions)
    }

    /// True for paths on the usual tmpfs mounts, whose pages live in shmem.
    public static func isTmpfs(_ path: String) -> Bool {
        path.hasPrefix("/dev/shm/") || path.hasPrefix("/run/shm/") || path.hasPrefix("/run/user/")
    }
}
