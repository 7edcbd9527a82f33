/// `sysmalloc`, mmapped chunks, and thread-arena heaps (arena.c) of the ptmalloc model.
extension Ptmalloc {
    static let mapPrivateAnonymous: UInt32 = 0x22
    static let mapNoReserve: UInt32 = 0x4000

    /// `sysmalloc`: requests at or above the mmap threshold get their own mapping; otherwise the
    /// main arena's top grows by brk (nb + top_pad + MINSIZE − old top, page aligned; the very
    /// first time `__sbrk` also reads the break with brk(0)), and a thread arena grows its heap
    /// with mprotect or starts a new heap.
    mutating func sysmalloc(_ a: Int, _ nb: UInt64) -> UInt64 {
        if nb >= mmapThreshold && UInt64(mmapped.count) < tunables.mmapMax {
            lastPath = .mmap
            return mmapChunk(nb)
        }
        let oldTop = arenas[a].top
        let oldSize = chunkSize(oldTop)
        if a != 0 {
            let h = arenas[a].heap
            if growHeap(h, Ptmalloc.minSize + nb - oldSize) {
                arenas[a].systemMem = arenas[a].systemMem
                setHead(oldTop, (heaps[h].base + heaps[h].size - oldTop) | Ptmalloc.prevInuse)
            } else if let nh = newHeap(nb + Ptmalloc.minSize + Ptmalloc.heapInfoBytes, tunables.topPad) {
                heaps[nh].arena = a
                heaps[nh].prev = h
                arenas[a].heap = nh
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
            } else {
                lastPath = .mmap
                return mmapChunk(nb)
            }
        } else {
            var size = nb + tunables.topPad + Ptmalloc.minSize
            size -= oldSize
            size = (size + Ptmalloc.pageSize - 1) & ~(Ptmalloc.pageSize - 1)
            if currentBreak == 0 {
                // The first __sbrk of the process reads the break: brk(0).
                currentBreak = layout.breakStart
                effects.syscall(AllocatorSyscall(op: .brk, address: 0, result: Int64(currentBreak)))
            }
            let brk = currentBreak
            currentBreak += size
            effects.syscall(AllocatorSyscall(op: .brk, address: currentBreak, result: Int64(currentBreak)))
            mainHeap.cover(currentBreak - mainHeap.base)
            arenas[0].systemMem += size
            if oldTop != 0 && brk == oldTop + oldSize {
                setHead(oldTop, (size + oldSize) | Ptmalloc.prevInuse)
            } else {
                arenas[0].top = brk
                setHead(brk, size | Ptmalloc.prevInuse)
            }
            arenas[0].maxSystemMem = max(arenas[0].maxSystemMem, arenas[0].systemMem)
        }
        let top = arenas[a].top
        let size = chunkSize(top)
        guard size >= nb + Ptmalloc.minSize else { lastPath = .none; return 0 }
        arenas[a].top = top + nb
        setHead(top, nb | Ptmalloc.prevInuse)
        setHead(top + nb, (size - nb) | Ptmalloc.prevInuse)
        lastPath = .topGrown
        return top + 16
    }

    /// `sysmalloc_mmap`: a mapping of nb + SIZE_SZ rounded to pages; the chunk starts at it.
    mutating func mmapChunk(_ nb: UInt64) -> UInt64 {
        let size = (nb + Ptmalloc.sizeSz + Ptmalloc.pageSize - 1) & ~(Ptmalloc.pageSize - 1)
        let mm = placer.map(size)
        guard mm != 0 else { return 0 }
        effects.syscall(AllocatorSyscall(op: .mmap, length: size, prot: [.read, .write],
                                         flags: Ptmalloc.mapPrivateAnonymous, result: Int64(mm)))
        mmapped[mm] = (size, 0)
        mmappedBytes += size
        return mm + 16
    }

    /// `munmap_chunk`.
    mutating func munmapChunk(_ p: UInt64) {
        guard let m = mmapped.remove(p) else { return }
        let block = p - m.offset, total = m.size + m.offset
        effects.syscall(AllocatorSyscall(op: .munmap, address: block, length: total))
        placer.unmap(block, total)
        mmappedBytes -= total
    }

    /// `mremap_chunk`: the mapping resized to nb + offset + SIZE_SZ in pages with MREMAP_MAYMOVE
    /// (in place when the pages after it are free, else moved); nil when the page count is equal.
    mutating func mremapChunk(_ p: UInt64, _ nb: UInt64) -> UInt64? {
        guard let m = mmapped[p] else { return nil }
        let block = p - m.offset, total = m.size + m.offset
        let newSize = (nb + m.offset + Ptmalloc.sizeSz + Ptmalloc.pageSize - 1) & ~(Ptmalloc.pageSize - 1)
        if newSize == total { return p }
        var dest = block
        if newSize < total {
            placer.unmap(block + newSize, total - newSize)
        } else if placer.isFree(block + total, newSize - total) {
            placer.mapFixed(block + total, newSize - total)
        } else {
            placer.unmap(block, total)
            dest = placer.map(newSize)
            effects.touch(dest, min(total, newSize))
        }
        effects.syscall(AllocatorSyscall(op: .mremap, address: block, length: total, newLength: newSize,
                                         flags: 1, result: Int64(dest)))
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

    /// `alloc_new_heap`: reserve 2 × HEAP_MAX_SIZE with PROT_NONE, unmap the unaligned head and
    /// the tail so a HEAP_MAX_SIZE-aligned heap remains, then mprotect its first `size` bytes.
    mutating func newHeap(_ size0: UInt64, _ topPad: UInt64) -> Int? {
        var size = size0
        if size + topPad < Ptmalloc.heapMinSize { size = Ptmalloc.heapMinSize }
        else if size + topPad <= Ptmalloc.heapMaxSize { size += topPad }
        else if size > Ptmalloc.heapMaxSize { return nil }
        else { size = Ptmalloc.heapMaxSize }
        size = (size + Ptmalloc.pageSize - 1) & ~(Ptmalloc.pageSize - 1)
        let max = Ptmalloc.heapMaxSize
        let p1 = placer.map(max << 1)
        guard p1 != 0 else { return nil }
        effects.syscall(AllocatorSyscall(op: .mmap, length: max << 1, prot: [],
                                         flags: Ptmalloc.mapPrivateAnonymous | Ptmalloc.mapNoReserve, result: Int64(p1)))
        let p2 = (p1 + max - 1) & ~(max - 1)
        let ul = p2 - p1
        if ul > 0 {
            effects.syscall(AllocatorSyscall(op: .munmap, address: p1, length: ul))
            placer.unmap(p1, ul)
        }
        effects.syscall(AllocatorSyscall(op: .munmap, address: p2 + max, length: max - ul))
        placer.unmap(p2 + max, max - ul)
        effects.syscall(AllocatorSyscall(op: .mprotect, address: p2, length: size, prot: [.read, .write]))
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
    /// made accessible; false when it would pass HEAP_MAX_SIZE.
    mutating func growHeap(_ h: Int, _ diff0: UInt64) -> Bool {
        let diff = (diff0 + Ptmalloc.pageSize - 1) & ~(Ptmalloc.pageSize - 1)
        let newSize = heaps[h].size + diff
        if newSize > Ptmalloc.heapMaxSize { return false }
        if newSize > heaps[h].mprotectSize {
            effects.syscall(AllocatorSyscall(op: .mprotect, address: heaps[h].base + heaps[h].mprotectSize,
                                             length: newSize - heaps[h].mprotectSize, prot: [.read, .write]))
            heaps[h].mprotectSize = newSize
        }
        heapMappedBytes += diff
        arenas[heaps[h].arena].systemMem += diff
        heaps[h].size = newSize
        heaps[h].cover(newSize + 64)
        return true
    }
}
