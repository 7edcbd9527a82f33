/// The ptmalloc model's invariant checker (what glibc's `do_check_malloc_state` asserts).
extension Ptmalloc {
    /// Broken invariants: the brk heap and the mmapped segments tile into chunks, the one holding
    /// top ending with it; PREV_INUSE matches the previous chunk's state and free chunks have
    /// footers; every binned chunk is free, in the right bin, and no two free chunks touch; bin
    /// links are consistent; tcache and fastbin chunks are in use by the boundary tags; the
    /// counters add up; the mappings held do not overlap.
    public func invariantViolations() -> [String] {
        var v: [String] = []
        var binned: [UInt64: Int] = [:]
        for a in 0..<arenas.count {
            for i in 1..<Ptmalloc.nBins {
                let s = Ptmalloc.sentinel(a, i)
                var p = links[s]!.fd
                var n = 0
                while p != s {
                    guard let l = links[p] else { v.append("bin \(i) of arena \(a): chunk \(hex(p)) has no links"); break }
                    if links[l.fd]?.bk != p { v.append("bin \(i): fd/bk mismatch at \(hex(p))") }
                    binned[p] = i
                    let size = chunkSize(p)
                    if i > 1 && Ptmalloc.binIndex(size) != i { v.append("chunk \(hex(p)) of \(size) bytes in bin \(i)") }
                    p = l.fd
                    n += 1
                    if n > 10_000_000 { v.append("bin \(i) loops"); break }
                }
                let nonEmpty = links[s]!.fd != s
                let marked = i < 64 ? arenas[a].binmap.0 >> UInt64(i) & 1 == 1 : arenas[a].binmap.1 >> UInt64(i - 64) & 1 == 1
                if nonEmpty && !marked { v.append("bin \(i) of arena \(a) holds chunks but is not marked") }
            }
        }
        var cached = Set<UInt64>()
        for a in arenas { for fb in a.fast { for p in fb { cached.insert(p) } } }
        for t in tcaches { for i in 0..<Ptmalloc.tcacheBins { for k in 0..<t.counts[i] { cached.insert(t.entries[i * Ptmalloc.tcacheCount + k] - 16) } } }
        // Walk the main arena's memory: the brk heap and the segments mmapped when brk was
        // refused, each tiled by chunks; a double fencepost (two 16-byte in-use chunks) closes an
        // old top that new space could not extend, and the region holding top ends with it.
        var regions: [(start: UInt64, end: UInt64)] = []
        if currentBreak > mainHeap.base { regions.append((mainHeap.base, currentBreak)) }
        for s in segments { regions.append((s.base, s.base + s.size)) }
        let top = arenas[0].top
        var topSeen = top == 0
        for r in regions {
            var p = r.start
            var prevFree = false
            var prevSizeSeen: UInt64 = 0
            while p < r.end && p != top {
                let size = chunkSize(p)
                let fencepost = size == 16
                if !fencepost && (size < Ptmalloc.minSize || p + size > r.end) { v.append("bad chunk \(hex(p)) size \(size)"); break }
                if prevInuse(p) == prevFree { v.append("PREV_INUSE of \(hex(p)) is wrong") }
                if prevFree && prevSize(p) != prevSizeSeen { v.append("footer before \(hex(p)) is \(prevSize(p)), chunk was \(prevSizeSeen)") }
                let isFree = !fencepost && !inuseAt(p + size)
                if isFree {
                    if binned[p] == nil { v.append("free chunk \(hex(p)) is in no bin") }
                    if prevFree { v.append("free chunks touch at \(hex(p))") }
                } else if binned[p] != nil { v.append("in-use chunk \(hex(p)) is in bin \(binned[p]!)") }
                if isFree && cached.contains(p) { v.append("cached chunk \(hex(p)) is free by its tags") }
                prevFree = isFree; prevSizeSeen = size
                p += size
            }
            if p == top {
                topSeen = true
                if top + chunkSize(top) != r.end { v.append("top ends at \(hex(top + chunkSize(top))), its memory at \(hex(r.end))") }
                if prevFree { v.append("a free chunk borders top") }
                if !prevInuse(top) { v.append("top's PREV_INUSE is clear") }
            } else if p != r.end {
                v.append("the walk from \(hex(r.start)) ends at \(hex(p)), its memory at \(hex(r.end))")
            }
        }
        if !topSeen { v.append("top \(hex(top)) is in none of the main arena's memory") }
        if segmentBytes != segments.reduce(0, { $0 + $1.size }) { v.append("segment bytes do not add up") }
        if mmappedBytes != mmapped.sortedEntries.reduce(0, { $0 + $1.value.size + $1.value.offset }) { v.append("mmapped bytes do not add up") }
        let held = mappings
        for i in held.indices.dropFirst() where held[i - 1].end > held[i].start { v.append("mappings \(held[i - 1]) and \(held[i]) overlap") }
        return v
    }

    func hex(_ x: UInt64) -> String { "0x" + String(x, radix: 16) }
}
