/// Places an allocator model's anonymous mappings top-down below a ceiling, reusing the highest
/// gap that fits, as the kernel's `unmapped_area_topdown` (mm/mmap.c) does for mmap(NULL, …).
///
/// The ranges are kept sorted by start; a model maps few ranges (mmapped chunks, heaps, extents),
/// so the linear scans stay short.
public struct MappingPlacer: Sendable {
    public let ceiling: UInt64
    /// Mapped ranges, sorted by start, never overlapping.
    public private(set) var ranges: [(start: UInt64, end: UInt64)] = []

    public init(ceiling: UInt64) { self.ceiling = ceiling & ~4095 }

    /// Bytes mapped now.
    public var mappedBytes: UInt64 { ranges.reduce(0) { $0 + ($1.end - $1.start) } }

    /// Picks the highest free range of `length` bytes (page multiple) aligned to `alignment`, and
    /// records it as mapped.
    public mutating func map(_ length: UInt64, alignment: UInt64 = 4096) -> UInt64 {
        var hi = ceiling
        var i = ranges.count - 1
        while true {
            let lo: UInt64 = i >= 0 ? ranges[i].end : 0x1_0000
            if hi >= length, hi - length >= lo {
                let start = (hi - length) & ~(alignment - 1)
                if start >= lo {
                    ranges.insert((start, start + length), at: i + 1)
                    return start
                }
            }
            if i < 0 { return 0 }
            hi = ranges[i].start
            i -= 1
        }
    }

    /// Records `[start, start+length)` as mapped (a MAP_FIXED placement).
    public mutating func mapFixed(_ start: UInt64, _ length: UInt64) {
        unmap(start, length)
        let i = ranges.firstIndex { $0.start > start } ?? ranges.count
        ranges.insert((start, start + length), at: i)
    }

    /// Forgets `[start, start+length)`, splitting ranges as munmap does.
    public mutating func unmap(_ start: UInt64, _ length: UInt64) {
        let end = start + length
        var out: [(start: UInt64, end: UInt64)] = []
        out.reserveCapacity(ranges.count + 1)
        for r in ranges {
            if r.end <= start || r.start >= end { out.append(r); continue }
            if r.start < start { out.append((r.start, start)) }
            if r.end > end { out.append((end, r.end)) }
        }
        ranges = out
    }

    /// True when `[start, start+length)` is free.
    public func isFree(_ start: UInt64, _ length: UInt64) -> Bool {
        start + length <= ceiling && !ranges.contains { $0.start < start + length && $0.end > start }
    }

    /// Broken invariants: ranges sorted, disjoint, page aligned, below the ceiling.
    public func invariantViolations() -> [String] {
        var v: [String] = []
        for (i, r) in ranges.enumerated() {
            if r.start >= r.end || r.start & 4095 != 0 || r.end & 4095 != 0 { v.append("range \(i) malformed") }
            if r.end > ceiling { v.append("range \(i) above the ceiling") }
            if i > 0 && ranges[i - 1].end > r.start { v.append("ranges \(i - 1) and \(i) overlap") }
        }
        return v
    }
}
