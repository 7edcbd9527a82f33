import MemTrace

/// The main arena's memory from the kernel: `__sbrk`, the main-arena half of `sysmalloc` with its
/// mmap fallback when brk is refused (malloc.c, "MORECORE failure"), `systrim`, and the shadow
/// lookup of the segments that fallback maps.
extension Ptmalloc {
    /// MMAP_AS_MORECORE_SIZE: the least the main arena maps when brk is refused.
    static let mmapAsMorecoreSize: UInt64 = 1 << 20

    /// glibc's `__sbrk` (misc/sbrk.c) over `__brk` (sysdeps/unix/sysv/linux/brk.c): the first call
    /// reads the break with brk(0); an increment of 0 makes no system call; otherwise
    /// brk(old + increment), whose answer is the break now (`__curbrk`; the old one when the
    /// kernel refused, and `__brk` then fails with ENOMEM). Returns the old break, nil on failure.
    mutating func sbrk(_ increment: Int64) -> UInt64? {
        if currentBreak == 0 {
            let r = effects.perform(AllocatorSyscall(op: .brk, address: 0))
            guard r > 0 else { return nil }
            currentBreak = UInt64(r)
            initialBreak = currentBreak
            mainHeap = PtmallocHeap(base: (currentBreak + Ptmalloc.alignMask) & ~Ptmalloc.alignMask)
        }
        if increment == 0 { return currentBreak }
        let old = currentBreak
        let (target, overflow) = increment > 0 ? old.addingReportingOverflow(UInt64(increment))
            : old.subtractingReportingOverflow(increment.magnitude)
        guard !overflow else { return nil }
        let r = effects.perform(AllocatorSyscall(op: .brk, address: target))
        if r > 0 { currentBreak = UInt64(r) }
        mainHeap.setExtent(currentBreak > mainHeap.base ? currentBreak - mainHeap.base : 0)
        guard r > 0, UInt64(r) >= target else { return nil }
        return old
    }

    /// The main arena's part of `sysmalloc`: MORECORE (brk) of nb + top_pad + MINSIZE (less the
    /// old top while the arena is contiguous), page aligned. When brk is refused, an mmap of at
    /// least MMAP_AS_MORECORE_SIZE (the old top's size added back while contiguous) becomes a
    /// non-contiguous segment and the arena is marked NONCONTIGUOUS for good. New space that does
    /// not extend the old top becomes the top; a double fencepost closes the old top and the rest
    /// of it is freed. When mmap is refused too the top stays as it was (the caller fails, ENOMEM).
    mutating func growMainArena(_ nb: UInt64, _ oldTop: UInt64, _ oldSize: UInt64) {
        var size = nb + tunables.topPad + Ptmalloc.minSize
        if contiguous { size -= oldSize }
        size = Ptmalloc.pageUp(size)
        var brk = sbrk(Int64(size))
        var sndBrk: UInt64?
        if brk == nil {
            if contiguous { size = Ptmalloc.pageUp(size + oldSize) }
            if size < Ptmalloc.mmapAsMorecoreSize { size = Ptmalloc.mmapAsMorecoreSize }
            if size > nb, let mbrk = mapAnonymous(size) {
                brk = mbrk
                sndBrk = mbrk + size
                contiguous = false
                addSegment(mbrk, size)
            }
        }
        guard let base = brk else { return }
        if sbrkBase == 0 { sbrkBase = base }
        arenas[0].systemMem += size
        let oldEnd = oldTop + oldSize
        if oldTop != 0 && base == oldEnd && sndBrk == nil {
            // MORECORE extended the previous space: so does the top.
            setHead(oldTop, (size + oldSize) | Ptmalloc.prevInuse)
            return
        }
        var aligned = base
        var correction: UInt64 = 0
        if contiguous {
            // The first time through (or after a foreign sbrk): align the first chunk, and ask
            // for the old top's size again plus what reaches a page boundary with a second sbrk.
            if oldSize != 0 && base > oldEnd { arenas[0].systemMem += base - oldEnd }
            let front = (base + 16) & Ptmalloc.alignMask
            if front > 0 { correction = 16 - front; aligned += correction }
            correction += oldSize
            let endMisalign = base + size + correction
            correction += Ptmalloc.pageUp(endMisalign) - endMisalign
            if let s = sbrk(Int64(correction)) { sndBrk = s } else { correction = 0; sndBrk = currentBreak }
        } else if sndBrk == nil {
            // Non-contiguous and brk worked: MORECORE (0) finds the end of memory.
            sndBrk = currentBreak
        }
        arenas[0].top = aligned
        setHead(aligned, (sndBrk! - aligned + correction) | Ptmalloc.prevInuse)
        arenas[0].systemMem += correction
        guard oldSize != 0 else { return }
        // A double fencepost at the old top keeps it from consolidating with space not ours.
        let rest = (oldSize - 2 * 16) & ~Ptmalloc.alignMask
        setHead(oldTop, rest | Ptmalloc.prevInuse)
        setHead(oldTop + rest, 16 | Ptmalloc.prevInuse)
        setHead(oldTop + rest + 16, 16 | Ptmalloc.prevInuse)
        if rest >= Ptmalloc.minSize { intFree(0, oldTop, tcache: -1) }
    }

    /// `systrim`: gives back the top chunk's whole pages beyond `pad` + MINSIZE with one
    /// `sbrk(-extra)` when the break is still where the top ends (the `sbrk(0)` probes around it
    /// make no system call); the top shrinks by what the kernel actually released.
    mutating func systrim(_ pad: UInt64) {
        let top = arenas[0].top
        let topSize = chunkSize(top)
        guard topSize > Ptmalloc.minSize + 1 + pad else { return }
        let extra = (topSize - Ptmalloc.minSize - 1 - pad) & ~(Ptmalloc.pageSize - 1)
        guard extra > 0, currentBreak == top + topSize else { return }
        let before = currentBreak
        _ = sbrk(-Int64(extra))
        let released = before - currentBreak
        guard released != 0 else { return }
        arenas[0].systemMem -= released
        setHead(top, (topSize - released) | Ptmalloc.prevInuse)
    }

    @inline(__always) static func pageUp(_ v: UInt64) -> UInt64 { (v + pageSize - 1) & ~(pageSize - 1) }

    /// Records a main-arena segment mapped when brk was refused, keeping `segments` sorted.
    mutating func addSegment(_ base: UInt64, _ size: UInt64) {
        var s = PtmallocHeap(base: base)
        s.size = size
        s.cover(size)
        let i = segments.firstIndex { $0.base > base } ?? segments.count
        segments.insert(s, at: i)
        segmentBytes += size
    }

    /// The segment holding `p`, if any (binary search; segments exist only after brk failed).
    @inline(__always) func segmentIndex(_ p: UInt64) -> Int? {
        guard !segments.isEmpty else { return nil }
        var lo = 0, hi = segments.count
        while lo < hi { let m = (lo + hi) / 2; if segments[m].base <= p { lo = m + 1 } else { hi = m } }
        guard lo > 0, p - segments[lo - 1].base < segments[lo - 1].size else { return nil }
        return lo - 1
    }
}
