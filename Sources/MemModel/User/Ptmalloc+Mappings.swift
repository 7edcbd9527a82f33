import MemTrace

/// The address ranges the ptmalloc model holds from the kernel.
extension Ptmalloc {
    /// The brk heap from the break first read to the break now, the main arena's mmapped
    /// segments, each thread-arena heap (read-write up to the most ever made accessible, the rest
    /// of its HEAP_MAX_SIZE reservation PROT_NONE), and every mmapped chunk.
    public var mappings: [AllocatorMapping] {
        var m: [AllocatorMapping] = []
        if currentBreak > initialBreak {
            m.append(AllocatorMapping(start: initialBreak & ~(Ptmalloc.pageSize - 1), end: Ptmalloc.pageUp(currentBreak), prot: [.read, .write]))
        }
        for s in segments { m.append(AllocatorMapping(start: s.base, end: s.base + s.size, prot: [.read, .write])) }
        for h in heaps where heapByBase[h.base] != nil {
            m.append(AllocatorMapping(start: h.base, end: h.base + h.mprotectSize, prot: [.read, .write]))
            if h.mprotectSize < Ptmalloc.heapMaxSize {
                m.append(AllocatorMapping(start: h.base + h.mprotectSize, end: h.base + Ptmalloc.heapMaxSize, prot: []))
            }
        }
        for (chunk, c) in mmapped.sortedEntries {
            m.append(AllocatorMapping(start: chunk - c.offset, end: chunk - c.offset + c.size + c.offset, prot: [.read, .write]))
        }
        return m.sorted { $0.start < $1.start }
    }
}
