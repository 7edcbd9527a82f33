import MemTrace

/// `_int_free`, `malloc_consolidate` and `heap_trim` of the ptmalloc model.
extension Ptmalloc {
    /// `_int_free`: to the tcache while its bin has room, to a fastbin up to 128 bytes, else
    /// coalesced with free neighbours into the unsorted bin or the top chunk; a result of 64 KiB
    /// or more consolidates the fastbins and trims the top past the trim threshold.
    mutating func intFree(_ a: Int, _ p: UInt64, tcache tc: Int) {
        var size = chunkSize(p)
        let ti = Ptmalloc.tidx(size)
        if tc >= 0 && ti < Ptmalloc.tcacheBins && tcaches[tc].counts[ti] < Ptmalloc.tcacheCount {
            tcachePut(tc, ti, p + 16)
            effects.touch(p + 16, 16)
            lastPath = .freeToTcache
            return
        }
        if size <= Ptmalloc.maxFast {
            arenas[a].haveFastChunks = true
            arenas[a].fast[Ptmalloc.fastbinIndex(size)].append(p)
            effects.touch(p + 16)
            lastPath = .freeToFastbin
            return
        }
        var p = p
        let next = p + size
        let nextSize = chunkSize(next)
        if !prevInuse(p) {
            let ps = prevSize(p)
            size += ps
            p -= ps
            unlinkChunk(a, p)
        }
        if next != arenas[a].top {
            if !inuseAt(next + nextSize) {
                unlinkChunk(a, next)
                size += nextSize
            } else {
                clearInuseBit(next)
            }
            toUnsorted(a, p)
            setHead(p, size | Ptmalloc.prevInuse)
            setFoot(p, size)
            effects.touch(p + 8, 24)
            lastPath = .freeToUnsorted
        } else {
            size += nextSize
            setHead(p, size | Ptmalloc.prevInuse)
            arenas[a].top = p
            effects.touch(p + 8)
            lastPath = .freeToTop
        }
        if size >= Ptmalloc.consolidationThreshold {
            if arenas[a].haveFastChunks { mallocConsolidate(a) }
            if a == 0 {
                if chunkSize(arenas[0].top) >= trimThreshold { systrim(tunables.topPad) }
            } else {
                heapTrim(arenas[a].heap, tunables.topPad)
            }
        }
    }

    /// `malloc_consolidate`: every fastbin chunk is coalesced with its free neighbours and put in
    /// the unsorted bin (or merged into top).
    mutating func mallocConsolidate(_ a: Int) {
        arenas[a].haveFastChunks = false
        for fb in 0..<Ptmalloc.nFastbins {
            let chunks = arenas[a].fast[fb]
            arenas[a].fast[fb].removeAll(keepingCapacity: true)
            for p0 in chunks.reversed() {
                var p = p0
                var size = chunkSize(p)
                let next = p + size
                let nextSize = chunkSize(next)
                searchSteps += 1
                if !prevInuse(p) {
                    let ps = prevSize(p)
                    size += ps
                    p -= ps
                    unlinkChunk(a, p)
                }
                if next != arenas[a].top {
                    if !inuseAt(next + nextSize) {
                        size += nextSize
                        unlinkChunk(a, next)
                    } else {
                        clearInuseBit(next)
                    }
                    toUnsorted(a, p)
                    setHead(p, size | Ptmalloc.prevInuse)
                    setFoot(p, size)
                } else {
                    size += nextSize
                    setHead(p, size | Ptmalloc.prevInuse)
                    arenas[a].top = p
                }
            }
        }
    }

    /// `heap_trim`: unmaps whole heaps the top chunk has emptied, then shrinks the current heap
    /// with madvise(MADV_DONTNEED) (`shrink_heap`) past the trim threshold.
    mutating func heapTrim(_ h0: Int, _ pad: UInt64) {
        var h = h0
        let a = heaps[h].arena
        var topChunk = arenas[a].top
        while topChunk == heaps[h].base + Ptmalloc.heapInfoBytes && heaps[h].prev >= 0 {
            let prev = heaps[h].prev
            let prevSizeBytes = heaps[prev].size - (Ptmalloc.minSize - 2 * Ptmalloc.sizeSz)
            let fence = heaps[prev].base + prevSizeBytes
            var p = fence - prevSize(fence)  // the chunk before the fencepost
            var newSize = chunkSize(p) + (Ptmalloc.minSize - 2 * Ptmalloc.sizeSz)
            if !prevInuse(p) { newSize += prevSize(p) }
            if newSize + (Ptmalloc.heapMaxSize - heaps[prev].size) < pad + Ptmalloc.minSize + Ptmalloc.pageSize { break }
            arenas[a].systemMem -= heaps[h].size
            heapMappedBytes -= heaps[h].size
            deleteHeap(h)
            h = prev
            if !prevInuse(p) { let q = p - prevSize(p); unlinkChunk(a, q); p = q }
            topChunk = p
            arenas[a].top = p
            arenas[a].heap = h
            setHead(p, newSize | Ptmalloc.prevInuse)
        }
        let topSize = chunkSize(topChunk)
        guard topSize >= trimThreshold, topSize > Ptmalloc.minSize + 1 + pad else { return }
        let extra = (topSize - Ptmalloc.minSize - 1 - pad) & ~(Ptmalloc.pageSize - 1)
        guard extra > 0, heaps[h].size > extra + Ptmalloc.heapInfoBytes else { return }
        let newSize = heaps[h].size - extra
        effects.perform(AllocatorSyscall(op: .madvise, address: heaps[h].base + newSize, length: extra, flags: Advice.dontNeed.rawValue))
        heaps[h].size = newSize
        heapMappedBytes -= extra
        arenas[a].systemMem -= extra
        setHead(topChunk, (topSize - extra) | Ptmalloc.prevInuse)
    }
}
