import MemTrace

/// `sysmalloc`, mmapped chunks, and thread-arena heaps (arena.c) of the ptmalloc model. Every
/// system call's answer comes from the kernel before the model relies on it.
extension Ptmalloc {
    /// `sysmalloc`: requests at or above the mmap threshold first try their own mapping; a thread
    /// arena grows its heap with mprotect or starts a new heap, and falls back to an mmapped chunk
    /// when both are refused; the main arena grows by brk, or by mmap when brk is refused
    /// (`growMainArena`). NULL (ENOMEM) when the top still cannot hold nb + MINSIZE.
    mutating func sysmalloc(_ a: Int, _ nb: UInt64) -> UInt64 {
        var triedMmap = false
        if nb >= mmapThreshold && UInt64(mmapped.count) < tunables.mmapMax {
            let mm = mmapChunk(nb)
            if mm != 0 { lastPath = .mmap; return mm }
            triedMmap = true
        }
        let oldTop = arenas[a].top
        let oldSize = chunkSize(oldTop)
        if a != 0 {
            let h = arenas[a].heap
            if growHeap(h, Ptmalloc.minSize + nb - oldSize) {
                setHead(oldTop, (heaps[h].base + heaps[h].size - oldTop) | Ptmalloc.prevInuse)
            } else if let nh = newHeap(nb + Ptmalloc.minSize + Ptmalloc.heapInfoBytes, tunables.topPad) {
                heaps[nh].arena = a
                heaps[nh].prev = h
                arenas[a].heap = nh
                arenas[a].systemMem += heaps[nh].size
                let top = heaps[nh].base + Ptmalloc.heapInfoBytes
                arenas[a].top = top
                setHead(top, (heaps[nh].size - Ptmalloc.heapInfoBytes) | Ptmalloc.prevInuse)
                // Fenceposts at the end of the old heap, then the old top is freed.
                let os = (oldSize - Ptmalloc.minSize) & ~Ptmalloc.alignMask
                setHead(oldTop + os + 16, Ptmalloc.prevInuse)
                if os >= Ptmalloc.minSize {
                    setHead(oldTop + os, 16 | Ptmalloc.prevInuse)
                    setFoot(oldTop + os, 16)
                    setHead(oldTop, os | Ptmalloc.prevInuse)
                    intFree(a, oldTop, tcache: -1)
                } else {
                    setHead(oldTop, (os + 16) | Ptmalloc.prevInuse)
                    setFoot(oldTop, os + 16)
                }
            } else if !triedMmap {
                // "We can at least try to use to mmap memory."
                let mm = mmapChunk(nb)
                if mm != 0 { lastPath = .mmap; return mm }
            }
        } else {
            growMainArena(nb, oldTop, oldSize)
        }
        arenas[a].maxSystemMem = max(arenas[a].maxSystemMem, arenas[a].systemMem)
        let top = arenas[a].top
        let size = chunkSize(top)
        // "catch all failure paths": errno = ENOMEM, return 0.
        guard top != 0, size >= nb + Ptmalloc.minSize else { lastPath = .none; return 0 }
        arenas[a].top = top + nb
        setHead(top, nb | Ptmalloc.prevInuse)
        setHead(top + nb, (size - nb) | Ptmalloc.prevInuse)
        lastPath = .topGrown
        return top + 16
    }

    /// An anonymous read-write private mapping of `length` bytes wherever the kernel puts it
    /// (glibc's `MMAP (0, size, PROT_READ | PROT_WRITE, 0)`); nil when refused (MAP_FAILED).
    mutating func mapAnonymous(_ length: UInt64, prot: Protection = [.read, .write], flags: UInt32 = 0, hint: UInt64 = 0) -> UInt64? {
        let r = effects.perform(AllocatorSyscall(op: .mmap, address: hint, length: length, prot: prot,
                                                 flags: AllocatorSyscall.mapPrivateAnonymous | flags))
        return r < 0 ? nil : UInt64(r)
    }

    /// `sysmalloc_mmap`: a mapping of nb + SIZE_SZ rounded to pages; the chunk starts at it.
    /// 0 when the kernel refuses it.
    mutating func mmapChunk(_ nb: UInt64) -> UInt64 {
        let size = (nb + Ptmalloc.sizeSz + Ptmalloc.pageSize - 1) & ~(Ptmalloc.pageSize - 1)
        guard size > nb, let mm = mapAnonymous(size) else { return 0 }
        mmapped[mm] = (size, 0)
        mmappedBytes += size
        return mm + 16
    }

    /// `munmap_chunk`.
    mutating func munmapChunk(_ p: UInt64) {
        guard let m = mmapped.remove(p) else { return }
        let block = p - m.offset, total = m.size + m.offset
        effects.perform(AllocatorSyscall(op: .munmap, address: block, length: total))
        mmappedBytes -= total
    }

    /// `mremap_chunk`: the mapping resized to nb + offset + SIZE_SZ in pages with MREMAP_MAYMOVE;
    /// the kernel grows it in place when the pages after it are free, else moves it with its
    /// pages (`move_page_tables`: nothing is copied). The chunk itself when the page count is
    /// equal; nil when the kernel refuses (the caller then mallocs, copies and frees).
    mutating func mremapChunk(_ p: UInt64, _ nb: UInt64) -> UInt64? {
        guard let m = mmapped[p] else { return nil }
        let block = p - m.offset, total = m.size + m.offset
        let newSize = (nb + m.offset + Ptmalloc.sizeSz + Ptmalloc.pageSize - 1) & ~(Ptmalloc.pageSize - 1)
        if newSize == total { return p }
        let r = effects.perform(AllocatorSyscall(op: .mremap, address: block, length: total, newLength: newSize,
                                                 flags: AllocatorSyscall.mremapMayMove))
        guard r >= 0 else { return nil }
        let dest = UInt64(r)
        mmapped[p] = nil
        mmapped[dest + m.offset] = (newSize - m.offset, m.offset)
        mmappedBytes = mmappedBytes - total + newSize
        return dest + m.offset
    }

    /// `_int_new_arena`: a heap sized for the arena's malloc_state and the first request; its
    /// top chunk starts after heap_info and malloc_state, aligned.
    mutating func newArena() -> Int? {
        guard let h = newHeap(Ptmalloc.tcacheStructBytes + Ptmalloc.heapInfoBytes + Ptmalloc.mallocStateBytes + 16, tunables.topPad) else { return nil }
        let a = arenas.count
        arenas.append(Arena())
        initBins(a)
        arenas[a].attachedThreads = 1
        arenas[a].heap = h
        arenas[a].systemMem = heaps[h].size
        arenas[a].maxSystemMem = heaps[h].size
        heaps[h].arena = a
        var ptr = heaps[h].base + Ptmalloc.heapInfoBytes + Ptmalloc.mallocStateBytes
        let mis = (ptr + 16) & Ptmalloc.alignMask
        if mis > 0 { ptr += 16 - mis }
        arenas[a].top = ptr
        setHead(ptr, (heaps[h].base + heaps[h].size - ptr) | Ptmalloc.prevInuse)
        effects.touch(heaps[h].base, Ptmalloc.heapInfoBytes + Ptmalloc.mallocStateBytes)
        return a
    }

    /// `new_heap` / `alloc_new_heap` (arena.c): a HEAP_MAX_SIZE-aligned reservation with
    /// PROT_NONE — first at `aligned_heap_area` if set, else 2 × HEAP_MAX_SIZE whose unaligned
    /// head and tail are unmapped, else HEAP_MAX_SIZE hoping it is aligned — then its first
    /// `size` bytes made read-write with mprotect. nil when the kernel refuses.
    mutating func newHeap(_ size0: UInt64, _ topPad: UInt64) -> Int? {
        var size = size0
        if size + topPad < Ptmalloc.heapMinSize { size = Ptmalloc.heapMinSize }
        else if size + topPad <= Ptmalloc.heapMaxSize { size += topPad }
        else if size > Ptmalloc.heapMaxSize { return nil }
        else { size = Ptmalloc.heapMaxSize }
        size = (size + Ptmalloc.pageSize - 1) & ~(Ptmalloc.pageSize - 1)
        let max = Ptmalloc.heapMaxSize
        var base: UInt64?
        if alignedHeapArea != 0 {
            let p2 = mapAnonymous(max, prot: [], flags: AllocatorSyscall.mapNoReserve, hint: alignedHeapArea)
            alignedHeapArea = 0
            if let p2, p2 & (max - 1) != 0 {
                effects.perform(AllocatorSyscall(op: .munmap, address: p2, length: max))
            } else {
                base = p2
            }
        }
        if base == nil {
            if let p1 = mapAnonymous(max << 1, prot: [], flags: AllocatorSyscall.mapNoReserve) {
                let p2 = (p1 + max - 1) & ~(max - 1)
                let ul = p2 - p1
                if ul > 0 {
                    effects.perform(AllocatorSyscall(op: .munmap, address: p1, length: ul))
                } else {
                    alignedHeapArea = p2 + max
                }
                effects.perform(AllocatorSyscall(op: .munmap, address: p2 + max, length: max - ul))
                base = p2
            } else {
                // "Try to take the chance that an allocation of only max_size is already aligned."
                guard let p2 = mapAnonymous(max, prot: [], flags: AllocatorSyscall.mapNoReserve) else { return nil }
                guard p2 & (max - 1) == 0 else {
                    effects.perform(AllocatorSyscall(op: .munmap, address: p2, length: max))
                    return nil
                }
                base = p2
            }
        }
        let p2 = base!
        guard effects.perform(AllocatorSyscall(op: .mprotect, address: p2, length: size, prot: [.read, .write])) == 0 else {
            effects.perform(AllocatorSyscall(op: .munmap, address: p2, length: max))
            return nil
        }
        var heap = PtmallocHeap(base: p2)
        heap.size = size
        heap.mprotectSize = size
        heap.cover(size + 64)
        heaps.append(heap)
        heapByBase[p2] = heaps.count - 1
        heapMappedBytes += size
        return heaps.count - 1
    }

    /// `grow_heap`: the heap's size grows by whole pages, with mprotect beyond what was ever
    /// made accessible; false when it would pass HEAP_MAX_SIZE or the kernel refuses the mprotect.
    mutating func growHeap(_ h: Int, _ diff0: UInt64) -> Bool {
        let diff = (diff0 + Ptmalloc.pageSize - 1) & ~(Ptmalloc.pageSize - 1)
        let newSize = heaps[h].size + diff
        if newSize > Ptmalloc.heapMaxSize { return false }
        if newSize > heaps[h].mprotectSize {
            let r = effects.perform(AllocatorSyscall(op: .mprotect, address: heaps[h].base + heaps[h].mprotectSize,
                                                     length: newSize - heaps[h].mprotectSize, prot: [.read, .write]))
            guard r == 0 else { return false }
            heaps[h].mprotectSize = newSize
        }
        heapMappedBytes += diff
        arenas[heaps[h].arena].systemMem += diff
        heaps[h].size = newSize
        heaps[h].cover(newSize + 64)
        return true
    }

    /// `delete_heap` (arena.c): the whole reservation is unmapped, forgetting `aligned_heap_area`
    /// when it pointed just past it.
    mutating func deleteHeap(_ h: Int) {
        if heaps[h].base + Ptmalloc.heapMaxSize == alignedHeapArea { alignedHeapArea = 0 }
        effects.perform(AllocatorSyscall(op: .munmap, address: heaps[h].base, length: Ptmalloc.heapMaxSize))
        heapByBase[heaps[h].base] = nil
        heaps[h].head = []; heaps[h].foot = []
    }
}
