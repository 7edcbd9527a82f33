import MemTrace

extension LinuxKernel {
    /// Executables lie below this address — a PIE at ELF_ET_DYN_BASE (2/3 of TASK_SIZE,
    /// 0x5555_5555_4000 without randomization), others lower — and the mmap area above it.
    static let executableCeiling: UInt64 = 0x7000_0000_0000

    /// `brk` (mm/mmap.c): below start_brk no change; shrinking unmaps (and uncharges); growing
    /// needs the new range free up to the next VMA's guard gap and a commit charge
    /// (`do_brk_flags`); on failure the old break is returned. A recorded
    /// result is followed (the real break), which also fixes start_brk on first sight.
    mutating func brk(_ p: ProcessState, _ call: MemoryCall) -> SyscallResult {
        let requested = call.address.rawValue
        // brk(0) (or any request below start_brk) is a query: it returns mm->brk and changes
        // nothing; a recorded answer tells start_brk when the heap is not known yet.
        if requested == 0 && (p.startBrk != 0 || call.result > 0) {
            if p.startBrk == 0 { p.startBrk = UInt64(call.result); p.brk = p.startBrk }
            return SyscallResult(result: Int64(p.brk))
        }
        if p.startBrk == 0 {
            if call.result > 0 && requested != 0 { p.startBrk = UInt64(call.result) < requested ? UInt64(call.result) : requested; p.brk = p.startBrk }
            if p.startBrk == 0 {
                // No heap known: start_brk follows the executable, as the ELF loader leaves it
                // (`load_elf_binary`, without randomization): after the highest mapping below
                // where the mmap area begins that is not the stack.
                let top = p.space.areas.filter { !$0.flags.contains(.growsDown) && $0.end < LinuxKernel.executableCeiling }.map(\.end).max() ?? 0x0040_0000
                p.startBrk = Page.alignUp(top); p.brk = p.startBrk
            }
        }
        var target = requested
        if call.result > 0 { target = UInt64(call.result) }
        guard target <= LinuxKernel.taskSize else { return SyscallResult(result: Int64(p.brk)) }
        guard target >= p.startBrk else { return SyscallResult(result: Int64(p.brk)) }
        let oldEnd = Page.alignUp(p.brk), newEnd = Page.alignUp(target)
        if newEnd == oldEnd { p.brk = target; return SyscallResult(result: Int64(target)) }
        if newEnd < oldEnd {
            let freed = unmap(p, newEnd, oldEnd - newEnd)
            p.brk = target
            return SyscallResult(result: Int64(target), pagesFreed: freed)
        }
        // check_data_rlimit: the heap may not pass RLIMIT_DATA (start_data..end_data is not known).
        if call.result <= 0 && target - p.startBrk > vm.rlimitData { return SyscallResult(result: Int64(p.brk)) }
        // Grow: the range must be free, with the guard gap below a stack.
        if p.space.overlaps(oldEnd, newEnd + Page.size) && call.result <= 0 { return SyscallResult(result: Int64(p.brk)) }
        if p.space.overlaps(oldEnd, newEnd) { unmap(p, oldEnd, newEnd - oldEnd) }
        // do_brk_flags: the growth is charged to the commit (VM_ACCOUNT); refused, the break stays.
        guard vmEnoughMemory(p, Page.count(in: newEnd - oldEnd)) else { return SyscallResult(result: Int64(p.brk)) }
        let vma = VirtualMemoryArea(id: newVMAID(), start: oldEnd, end: newEnd, prot: [.read, .write], flags: [.heap, .account],
                                    backing: .anonymous, offset: oldEnd, name: "[heap]")
        var id = VMAID.none
        if let i = p.space.find(oldEnd - 1), p.space[i].flags.contains([.heap, .account]), p.space[i].end == oldEnd {
            // Extend the heap VMA in place (vma_merge with the brk VMA).
            p.space.update(i) { $0.end = newEnd }
            id = p.space[i].id
            changes.append(.vmaChanged(pid: p.pid, vma: p.space[i]))
        } else {
            var v = vma
            v.offset = oldEnd
            id = insertVMA(p, v)
        }
        p.brk = target
        if p.space.totalPages > p.hiwaterVM { p.hiwaterVM = p.space.totalPages }
        return SyscallResult(result: Int64(target), vma: id)
    }

    /// `mremap` (mm/mremap.c): shrink in place; grow in place when the space after is free; else
    /// move (MREMAP_MAYMOVE) with the page-table entries, to the recorded or a chosen address.
    /// Growth of a VM_ACCOUNT VMA is charged to the commit (in place, or by `move_vma`); a shrink
    /// uncharges through the munmap of the tail.
    mutating func mremap(_ p: ProcessState, _ call: MemoryCall) -> SyscallResult {
        if call.result < 0 { return SyscallResult(result: call.result) }
        let old = call.address.rawValue
        guard Page.isAligned(old), call.newLength > 0 else { return SyscallResult(errno: .einval) }
        let oldLen = Page.alignUp(call.length), newLen = Page.alignUp(call.newLength)
        guard let i = p.space.find(old), p.space[i].end >= old + oldLen else { return SyscallResult(errno: .efault) }
        if newLen <= oldLen && (call.result <= 0 || UInt64(call.result) == old) {
            let freed = newLen < oldLen ? unmap(p, old + newLen, oldLen - newLen) : 0
            return SyscallResult(result: Int64(old), vma: p.space[i].id, pagesFreed: freed)
        }
        let accounted = p.space[i].flags.contains(.account)
        let growth = newLen > oldLen ? Page.count(in: newLen - oldLen) : 0
        let inPlace = call.result > 0 ? UInt64(call.result) == old : !p.space.overlaps(old + oldLen, old + newLen)
        if inPlace && p.space[i].end == old + oldLen {
            // Growing in place charges the growth of a VM_ACCOUNT VMA; refused, ENOMEM (no move).
            if accounted && !vmEnoughMemory(p, growth) { return SyscallResult(errno: .enomem) }
            if p.space.overlaps(old + oldLen, old + newLen) { unmap(p, old + oldLen, newLen - oldLen) }
            p.space.update(p.space.find(old)!) { $0.end = old + newLen }
            let v = p.space[p.space.find(old)!]
            changes.append(.vmaChanged(pid: p.pid, vma: v))
            return SyscallResult(result: Int64(old), vma: v.id)
        }
        guard call.mremapFlags.contains(.mayMove) || call.result > 0 else { return SyscallResult(errno: .enomem) }
        var dest: UInt64
        if call.result > 0 { dest = UInt64(call.result) } else if let g = p.space.highestGap(length: newLen, floor: LinuxKernel.mmapMinAddr,
                                                                                              ceiling: p.mmapBase, guardGap: LinuxKernel.stackGuardGap) {
            dest = g
        } else { return SyscallResult(errno: .enomem) }
        // move_vma charges what the move adds (new − old) to a VM_ACCOUNT VMA; the moved part keeps
        // its charge (VM_ACCOUNT concealed from the munmap of the old range: charged back below).
        if accounted && !vmEnoughMemory(p, growth) { return SyscallResult(errno: .enomem) }
        // Take the old VMA's shape and entries, then remove the old range without freeing its pages.
        var shape = p.space[i]
        shape.offset += old - shape.start
        if case .anonymous = shape.backing { shape.offset = dest }
        splitHugeRange(p, old, old + min(oldLen, newLen))
        let moved = p.table.mappedPages(Page.number(of: old), Page.number(of: old + min(oldLen, newLen))).map { ($0, p.table.entry($0)!) }
        for (vpn, _) in moved { _ = p.table.unmap(vpn) }
        // move_ptes carries swap entries too.
        let movedSwap = p.table.swapEntries(Page.number(of: old), Page.number(of: old + min(oldLen, newLen)))
        for (vpn, _) in movedSwap { p.table.removeSwapEntry(vpn) }
        cache.mapped(shape.backing)      // keeps a shmem object alive while its only VMA moves
        unmap(p, old, oldLen)
        if p.space.overlaps(dest, dest + newLen) { unmap(p, dest, newLen) }
        shape.id = newVMAID(); shape.start = dest; shape.end = dest + newLen
        let id = insertVMA(p, shape)
        if accounted { commit.charge(Page.count(in: min(oldLen, newLen))) }
        releaseMapping(shape.backing)
        for (vpn, e) in moved {
            let nv = Page.number(of: dest) + (vpn - Page.number(of: old))
            guard var fresh = allocateTablePages(p, p.table.tablePagesNeeded(nv), protecting: e.frame) else { continue }
            _ = p.table.map(nv, e) { fresh.popLast() }
        }
        for (vpn, e) in movedSwap { p.table.setSwapEntry(Page.number(of: dest) + (vpn - Page.number(of: old)), e) }
        return SyscallResult(result: Int64(dest), vma: id)
    }
}
