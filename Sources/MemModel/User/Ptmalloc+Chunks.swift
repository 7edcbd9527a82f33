/// Chunk headers and bin links of the ptmalloc model (malloc.c's chunk macros and `unlink_chunk`).
extension Ptmalloc {
    /// The size field (size | PREV_INUSE) of the chunk at `p`.
    @inline(__always) func head(_ p: UInt64) -> UInt64 {
        let v: UInt32
        if p &- mainHeap.base < mainHeap.limit {
            v = mainHeap.head[mainHeap.index(p)]
        } else if let h = heapByBase[p & ~(Ptmalloc.heapMaxSize - 1)] {
            v = heaps[h].head[heaps[h].index(p)]
        } else if let s = segmentIndex(p) {
            v = segments[s].head[segments[s].index(p)]
        } else {
            return 0
        }
        return UInt64(v >> 1) << 4 | UInt64(v & 1)
    }

    /// `chunksize`.
    @inline(__always) func chunkSize(_ p: UInt64) -> UInt64 { head(p) & ~15 }

    /// `set_head`.
    @inline(__always) mutating func setHead(_ p: UInt64, _ v: UInt64) {
        let w = UInt32(truncatingIfNeeded: (v >> 4) << 1 | (v & 1))
        if p &- mainHeap.base < mainHeap.limit { mainHeap.head[mainHeap.index(p)] = w; return }
        if let h = heapByBase[p & ~(Ptmalloc.heapMaxSize - 1)] { let i = heaps[h].index(p); heaps[h].head[i] = w; return }
        if let s = segmentIndex(p) { let i = segments[s].index(p); segments[s].head[i] = w }
    }

    /// `prev_size`.
    @inline(__always) func prevSize(_ p: UInt64) -> UInt64 {
        if p &- mainHeap.base < mainHeap.limit { return UInt64(mainHeap.foot[mainHeap.index(p)]) << 4 }
        if let h = heapByBase[p & ~(Ptmalloc.heapMaxSize - 1)] { return UInt64(heaps[h].foot[heaps[h].index(p)]) << 4 }
        if let s = segmentIndex(p) { return UInt64(segments[s].foot[segments[s].index(p)]) << 4 }
        return 0
    }

    /// `set_prev_size` of the chunk at `p`.
    @inline(__always) mutating func setPrevSize(_ p: UInt64, _ s: UInt64) {
        let w = UInt32(truncatingIfNeeded: s >> 4)
        if p &- mainHeap.base < mainHeap.limit { mainHeap.foot[mainHeap.index(p)] = w; return }
        if let h = heapByBase[p & ~(Ptmalloc.heapMaxSize - 1)] { let i = heaps[h].index(p); heaps[h].foot[i] = w; return }
        if let g = segmentIndex(p) { let i = segments[g].index(p); segments[g].foot[i] = w }
    }

    /// `set_foot`: the footer of a free chunk, the prev_size of the chunk after it.
    @inline(__always) mutating func setFoot(_ p: UInt64, _ size: UInt64) { setPrevSize(p + size, size) }

    /// `prev_inuse`.
    @inline(__always) func prevInuse(_ p: UInt64) -> Bool { head(p) & 1 != 0 }
    /// `inuse_bit_at_offset`.
    @inline(__always) func inuseAt(_ p: UInt64) -> Bool { head(p) & 1 != 0 }
    /// `set_inuse_bit_at_offset`.
    @inline(__always) mutating func setInuseBit(_ p: UInt64) { setHead(p, head(p) | 1) }
    /// `clear_inuse_bit_at_offset`.
    @inline(__always) mutating func clearInuseBit(_ p: UInt64) { setHead(p, head(p) & ~1) }

    /// `arena_for_chunk`: the main arena for the brk heap and its mmapped segments, else the
    /// arena of the heap the chunk is in.
    @inline(__always) func arenaFor(_ p: UInt64) -> Int {
        if p &- mainHeap.base < mainHeap.limit { return 0 }
        if let h = heapByBase[p & ~(Ptmalloc.heapMaxSize - 1)] { return heaps[h].arena }
        return 0
    }

    /// True when `p` lies in memory the model manages (a pointer it could have handed out).
    func isKnownChunk(_ p: UInt64) -> Bool {
        if p &- mainHeap.base < mainHeap.limit { return p & 15 == 0 && chunkSize(p) >= Ptmalloc.minSize }
        if let h = heapByBase[p & ~(Ptmalloc.heapMaxSize - 1)] { return p - heaps[h].base < heaps[h].size && chunkSize(p) >= Ptmalloc.minSize }
        if segmentIndex(p) != nil { return p & 15 == 0 && chunkSize(p) >= Ptmalloc.minSize }
        return false
    }

    // MARK: bins

    @inline(__always) func fd(_ p: UInt64) -> UInt64 { links[p]!.fd }
    @inline(__always) func bk(_ p: UInt64) -> UInt64 { links[p]!.bk }
    @inline(__always) func binIsEmpty(_ a: Int, _ i: Int) -> Bool { let s = Ptmalloc.sentinel(a, i); return links[s]!.fd == s }
    @inline(__always) func isSentinel(_ p: UInt64) -> Bool { p < 0x1_0000 }

    /// Links `p` between `bck` and `fwd`.
    @inline(__always) mutating func link(_ p: UInt64, after bck: UInt64, before fwd: UInt64) {
        links.insert(p, Link(fd: fwd, bk: bck))
        var b = links[bck]!; b.fd = p; links.insert(bck, b)
        var f = links[fwd]!; f.bk = p; links.insert(fwd, f)
    }

    /// `unlink_chunk`: takes a free chunk off whatever bin holds it.
    @inline(__always) mutating func unlinkChunk(_ a: Int, _ p: UInt64) {
        guard let l = links.remove(p) else { return }
        var f = links[l.fd]!; f.bk = l.bk; links.insert(l.fd, f)
        var b = links[l.bk]!; b.fd = l.fd; links.insert(l.bk, b)
        if l.fd == l.bk && isSentinel(l.fd) { unmarkBin(a, Int(l.fd) - a * 128) }
    }

    @inline(__always) mutating func markBin(_ a: Int, _ i: Int) {
        if i < 64 { arenas[a].binmap.0 |= 1 << UInt64(i) } else { arenas[a].binmap.1 |= 1 << UInt64(i - 64) }
    }
    @inline(__always) mutating func unmarkBin(_ a: Int, _ i: Int) {
        if i < 64 { arenas[a].binmap.0 &= ~(1 << UInt64(i)) } else { arenas[a].binmap.1 &= ~(1 << UInt64(i - 64)) }
    }
    /// The first non-empty bin at or after `i` (the binmap search of `_int_malloc`), or nil.
    func nextMarkedBin(_ a: Int, from i: Int) -> Int? {
        var idx = i
        while idx < Ptmalloc.nBins {
            let word = idx < 64 ? arenas[a].binmap.0 >> UInt64(idx) : arenas[a].binmap.1 >> UInt64(idx - 64)
            if word != 0 { return idx + word.trailingZeroBitCount }
            idx = idx < 64 ? 64 : Ptmalloc.nBins
        }
        return nil
    }

    /// Puts `p` at the front of the unsorted bin (`_int_free`, `malloc_consolidate`, remainders).
    @inline(__always) mutating func toUnsorted(_ a: Int, _ p: UInt64) {
        let head = Ptmalloc.sentinel(a, 1)
        link(p, after: head, before: fd(head))
        markBin(a, 1)
    }

    /// Places a chunk taken from the unsorted bin in its small or large bin (`_int_malloc`): small
    /// bins at the front; large bins kept sorted by decreasing size, a chunk of a size already
    /// present going after the first of that size.
    mutating func placeInBin(_ a: Int, _ p: UInt64, _ size: UInt64) {
        let i = Ptmalloc.binIndex(size)
        let head = Ptmalloc.sentinel(a, i)
        if Ptmalloc.inSmallbinRange(size) {
            link(p, after: head, before: fd(head))
        } else if fd(head) == head {
            link(p, after: head, before: head)
        } else if size < chunkSize(bk(head)) {
            link(p, after: bk(head), before: head)
        } else {
            var fwd = fd(head)
            while size < chunkSize(fwd) { fwd = fd(fwd); searchSteps += 1 }
            if size == chunkSize(fwd) { fwd = fd(fwd) }
            link(p, after: bk(fwd), before: fwd)
        }
        markBin(a, i)
    }
}
