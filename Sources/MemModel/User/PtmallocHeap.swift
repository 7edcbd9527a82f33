/// The chunk headers of one contiguous stretch of a ptmalloc model's memory: the main arena's
/// brk heap, a main-arena segment mmapped when brk was refused, or one 64 MiB heap of a thread
/// arena (arena.c's `heap_info`).
///
/// Like glibc it keeps, per 16-byte granule where a chunk starts, the chunk's `size` field with
/// PREV_INUSE and the `prev_size` field (the previous chunk's footer when that one is free).
/// Sizes are stored in granules in 32-bit words, so one chunk can be at most 32 GiB.
struct PtmallocHeap {
    /// The first byte covered.
    let base: UInt64
    /// Bytes covered (and grown) so far.
    var limit: UInt64 = 0
    /// `size >> 4 << 1 | PREV_INUSE` of the chunk starting at each granule.
    var head: [UInt32] = []
    /// `prev_size >> 4` of the chunk starting at each granule.
    var foot: [UInt32] = []
    /// For a thread arena's heap: its arena, the previous heap, its size and mprotect size.
    var arena: Int = 0
    var prev: Int = -1
    var size: UInt64 = 0
    var mprotectSize: UInt64 = 0

    init(base: UInt64) { self.base = base }

    /// Covers `bytes` from the base (never shrinks the shadow: trimmed space may come back).
    mutating func cover(_ bytes: UInt64) {
        let n = Int(bytes >> 4) + 2
        if n > head.count {
            let add = n - head.count
            head.append(contentsOf: repeatElement(0, count: add))
            foot.append(contentsOf: repeatElement(0, count: add))
        }
        limit = max(limit, bytes)
    }

    /// Covers exactly `bytes` from the base: the brk heap after the break moved either way (the
    /// shadow's storage stays, so trimmed space that comes back keeps its arrays).
    mutating func setExtent(_ bytes: UInt64) {
        cover(bytes)
        limit = bytes
    }

    @inline(__always) func index(_ p: UInt64) -> Int { Int((p &- base) >> 4) }
}
