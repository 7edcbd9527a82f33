/// `_int_malloc`, `_int_realloc` and `_int_memalign` of the ptmalloc model.
extension Ptmalloc {
    /// `_int_malloc`: fastbin, small bin (both refilling the tcache), then the unsorted bin
    /// (exact fits go to the tcache first; the last remainder serves runs of small requests;
    /// others are binned), the request's large bin (best fit), the next non-empty larger bin,
    /// the top chunk, consolidation of fastbins, and finally `sysmalloc`.
    mutating func intMalloc(_ a: Int, _ bytes: UInt64) -> UInt64 {
        let nb = Ptmalloc.request2size(bytes)
        guard bytes < UInt64(Int64.max) - 64 else { lastPath = .none; return 0 }
        let tcIdx = Ptmalloc.tidx(nb)
        let tc = cachedThread != .max ? cachedState.tcache : -1
        let tcacheOK = tc >= 0 && tcIdx < Ptmalloc.tcacheBins
        var idx: Int
        if nb <= Ptmalloc.maxFast {
            let fi = Ptmalloc.fastbinIndex(nb)
            if let victim = arenas[a].fast[fi].popLast() {
                if tcacheOK {
                    while tcaches[tc].counts[tcIdx] < Ptmalloc.tcacheCount, let c = arenas[a].fast[fi].popLast() {
                        tcachePut(tc, tcIdx, c + 16)
                    }
                }
                lastPath = .fastbin
                return victim + 16
            }
        }
        if Ptmalloc.inSmallbinRange(nb) {
            idx = Ptmalloc.smallbinIndex(nb)
            let head = Ptmalloc.sentinel(a, idx)
            let victim = bk(head)
            if victim != head {
                unlinkChunk(a, victim)
                setInuseBit(victim + nb)
                if tcacheOK {
                    while tcaches[tc].counts[tcIdx] < Ptmalloc.tcacheCount {
                        let c = bk(head)
                        if c == head { break }
                        unlinkChunk(a, c)
                        setInuseBit(c + nb)
                        tcachePut(tc, tcIdx, c + 16)
                    }
                }
                lastPath = .smallbin
                return victim + 16
            }
        } else {
            idx = Ptmalloc.largebinIndex(nb)
            if arenas[a].haveFastChunks { mallocConsolidate(a) }
        }
        let unsorted = Ptmalloc.sentinel(a, 1)
        while true {
            var iters = 0
            var returnCached = false
            while true {
                let victim = bk(unsorted)
                if victim == unsorted { break }
                searchSteps += 1
                let size = chunkSize(victim)
                let bck = bk(victim)
                if Ptmalloc.inSmallbinRange(nb) && bck == unsorted && victim == arenas[a].lastRemainder && size > nb + Ptmalloc.minSize {
                    unlinkChunk(a, victim)
                    let rem = victim + nb, remSize = size - nb
                    toUnsorted(a, rem)
                    arenas[a].lastRemainder = rem
                    setHead(victim, nb | Ptmalloc.prevInuse)
                    setHead(rem, remSize | Ptmalloc.prevInuse)
                    setFoot(rem, remSize)
                    lastPath = .lastRemainder
                    return victim + 16
                }
                unlinkChunk(a, victim)
                if size == nb {
                    setInuseBit(victim + size)
                    if tcacheOK && tcaches[tc].counts[tcIdx] < Ptmalloc.tcacheCount {
                        tcachePut(tc, tcIdx, victim + 16)
                        returnCached = true
                        continue
                    }
                    lastPath = .unsortedExact
                    return victim + 16
                }
                placeInBin(a, victim, size)
                iters += 1
                if iters >= 10000 { break }
            }
            if returnCached {
                lastPath = .unsortedExact
                return tcacheGet(tc, tcIdx)
            }
            if !Ptmalloc.inSmallbinRange(nb) {
                let head = Ptmalloc.sentinel(a, idx)
                let first = fd(head)
                if first != head && chunkSize(first) >= nb {
                    // Smallest size that fits: walk up from the smallest chunk.
                    var v = bk(head)
                    while chunkSize(v) < nb { v = bk(v); searchSteps += 1 }
                    let size = chunkSize(v)
                    while bk(v) != head && chunkSize(bk(v)) == size { v = bk(v); searchSteps += 1 }
                    if v != bk(head) && chunkSize(fd(v)) == size { v = fd(v) }
                    lastPath = .largebin
                    return take(a, v, size, nb, setLastRemainder: false)
                }
            }
            if let bin = nextMarkedBin(a, from: idx + 1) {
                var i = bin
                var found: UInt64 = 0
                while true {
                    let head = Ptmalloc.sentinel(a, i)
                    let v = bk(head)
                    searchSteps += 1
                    if v != head { found = v; break }
                    unmarkBin(a, i)
                    guard let n = nextMarkedBin(a, from: i + 1) else { break }
                    i = n
                }
                if found != 0 {
                    lastPath = .binmap
                    return take(a, found, chunkSize(found), nb, setLastRemainder: Ptmalloc.inSmallbinRange(nb))
                }
            }
            // use_top
            let top = arenas[a].top
            let size = chunkSize(top)
            if top != 0 && size >= nb + Ptmalloc.minSize {
                let rem = top + nb
                arenas[a].top = rem
                setHead(top, nb | Ptmalloc.prevInuse)
                setHead(rem, (size - nb) | Ptmalloc.prevInuse)
                lastPath = .top
                return top + 16
            } else if arenas[a].haveFastChunks {
                mallocConsolidate(a)
                idx = Ptmalloc.binIndex(nb)
            } else {
                return sysmalloc(a, nb)
            }
        }
    }

    /// Takes free chunk `v` of `size` for a request of `nb`: the whole chunk when the rest would
    /// be under MINSIZE, else split with the remainder to the unsorted bin.
    mutating func take(_ a: Int, _ v: UInt64, _ size: UInt64, _ nb: UInt64, setLastRemainder: Bool) -> UInt64 {
        unlinkChunk(a, v)
        let remSize = size - nb
        if remSize < Ptmalloc.minSize {
            setInuseBit(v + size)
        } else {
            let rem = v + nb
            toUnsorted(a, rem)
            if setLastRemainder { arenas[a].lastRemainder = rem }
            setHead(v, nb | Ptmalloc.prevInuse)
            setHead(rem, remSize | Ptmalloc.prevInuse)
            setFoot(rem, remSize)
        }
        return v + 16
    }

    /// `_int_realloc`: shrink in place (splitting off the rest), grow into the top chunk or a
    /// free next chunk, or malloc–copy–free.
    mutating func intRealloc(_ a: Int, _ oldp: UInt64, _ oldSize: UInt64, _ nb: UInt64, tcache: Int) -> UInt64 {
        var newp = oldp
        var newSize = oldSize
        let next = oldp + oldSize
        lastPath = .reallocInPlace
        if oldSize < nb {
            let nextSize = chunkSize(next)
            if next == arenas[a].top && oldSize + nextSize >= nb + Ptmalloc.minSize {
                setHead(oldp, nb | (head(oldp) & 1))
                arenas[a].top = oldp + nb
                setHead(oldp + nb, (oldSize + nextSize - nb) | Ptmalloc.prevInuse)
                return oldp + 16
            } else if next != arenas[a].top && !inuseAt(next + nextSize) && oldSize + nextSize >= nb {
                newSize = oldSize + nextSize
                unlinkChunk(a, next)
            } else {
                let mem = intMalloc(a, nb - Ptmalloc.alignMask)
                if mem == 0 { return 0 }
                let np = mem - 16
                if np == next {
                    newSize = oldSize + chunkSize(np)
                } else {
                    effects.touch(mem, oldSize - Ptmalloc.sizeSz)
                    intFree(a, oldp, tcache: tcache)
                    lastPath = .reallocCopy
                    return mem
                }
            }
        }
        if newSize - nb < Ptmalloc.minSize {
            setHead(newp, newSize | (head(newp) & 1))
            setInuseBit(newp + newSize)
        } else {
            let rem = newp + nb
            setHead(newp, nb | (head(newp) & 1))
            setHead(rem, (newSize - nb) | Ptmalloc.prevInuse)
            setInuseBit(rem + newSize - nb)
            intFree(a, rem, tcache: tcache)
        }
        newp = oldp
        lastPath = .reallocInPlace
        return newp + 16
    }

    /// `_int_memalign`: malloc nb + alignment + MINSIZE, free the misaligned lead and the tail.
    mutating func intMemalign(_ a: Int, _ alignment: UInt64, _ bytes: UInt64) -> UInt64 {
        let nb = Ptmalloc.request2size(bytes)
        let m = intMalloc(a, nb + alignment + Ptmalloc.minSize)
        if m == 0 { return 0 }
        let path = lastPath
        var p = m - 16
        let tc = cachedThread != .max ? cachedState.tcache : -1
        if m % alignment != 0 {
            var brk = ((m + alignment - 1) & ~(alignment - 1)) - 16
            if brk - p < Ptmalloc.minSize { brk += alignment }
            let lead = brk - p
            if let mm = mmapped.remove(p) {
                mmapped[brk] = (mm.size - lead, mm.offset + lead)
                lastPath = path
                return brk + 16
            }
            let newSize = chunkSize(p) - lead
            setHead(brk, newSize | Ptmalloc.prevInuse)
            setInuseBit(brk + newSize)
            setHead(p, lead | (head(p) & 1))
            intFree(a, p, tcache: tc)
            p = brk
        }
        if mmapped[p] == nil {
            let size = chunkSize(p)
            if size > nb + Ptmalloc.minSize {
                let rem = p + nb
                setHead(rem, (size - nb) | Ptmalloc.prevInuse)
                setHead(p, nb | (head(p) & 1))
                intFree(a, rem, tcache: tc)
            }
        }
        lastPath = path
        return p + 16
    }
}
