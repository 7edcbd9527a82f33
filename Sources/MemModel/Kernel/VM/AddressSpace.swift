import MemTrace

/// The flat key arrays of an `AddressSpace`'s lookup index, in one allocation: the starts and
/// ends of the VMAs, the last end of each block of 32, and the last of each 32 blocks. Written
/// once when built and never changed, so copies of an address space may share it.
@usableFromInline final class AddressIndex: @unchecked Sendable {
    @usableFromInline let keys: UnsafeMutablePointer<UInt64>
    @usableFromInline let count: Int, blocks: Int, supers: Int

    init(_ areas: [VirtualMemoryArea]) {
        count = areas.count
        blocks = (count + 31) >> 5
        supers = (blocks + 31) >> 5
        keys = .allocate(capacity: max(1, 2 * count + blocks + supers))
        for (i, v) in areas.enumerated() { keys[i] = v.start; keys[count + i] = v.end }
        let ends = keys + count, blockEnds = ends + count, superEnds = blockEnds + blocks
        for b in 0..<blocks { blockEnds[b] = ends[min(b * 32 + 31, count - 1)] }
        for t in 0..<supers { superEnds[t] = blockEnds[min(t * 32 + 31, blocks - 1)] }
    }
    deinit { keys.deallocate() }
}

/// A process's VMAs, sorted by address and never overlapping (the model's `mm->mm_mt`).
///
/// Lookups go through a compact index beside the VMAs, as the maple tree's nodes hold only pivots
/// (`AddressIndex`): the starts and ends in flat arrays, the last end of every block of 32 VMAs,
/// and the last end of every 32 such blocks. A lookup scans at most 64 + 32 + 32 sorted keys
/// counting those at or below the address — independent loads the CPU overlaps and vectorises,
/// where a binary search would wait for each probe in turn.
public struct AddressSpace: Sendable {
    /// The VMAs in address order.
    public private(set) var areas: [VirtualMemoryArea] = [] {
        didSet { index = AddressIndex(areas); hasLocked = areas.contains { $0.flags.contains(.locked) } }
    }
    /// Whether some VMA is VM_LOCKED (mapping a page then mlocks it: `mlock_new_folio`).
    public private(set) var hasLocked = false
    @usableFromInline var lastHit: Int = 0
    @usableFromInline var index = AddressIndex([])

    public init() {}

    /// `lo` plus the number of keys in [lo, hi) at or below `x` (the keys ascend).
    @inlinable @inline(__always)
    static func rank(_ keys: UnsafeMutablePointer<UInt64>, _ lo: Int, _ hi: Int, _ x: UInt64) -> Int {
        var k = lo
        var j = lo
        while j < hi { k &+= keys[j] <= x ? 1 : 0; j &+= 1 }
        return k
    }

    /// The index of the VMA containing `address`, if any (`find_vma` with the check `vm_start <= addr`).
    @inlinable public func find(_ address: UInt64) -> Int? {
        let ix = index
        let n = ix.count, keys = ix.keys
        if lastHit < n && keys[lastHit] <= address && address < keys[n &+ lastHit] { return lastHit }
        let ends = keys + n, blockEnds = ends + n, superEnds = blockEnds + ix.blocks
        let top = AddressSpace.rank(superEnds, 0, ix.supers, address)
        guard top < ix.supers else { return nil }
        let block = AddressSpace.rank(blockEnds, top << 5, min((top << 5) &+ 32, ix.blocks), address)
        let i = AddressSpace.rank(ends, block << 5, min((block << 5) &+ 32, n), address)
        return keys[i] <= address ? i : nil
    }

    /// Like `find`, remembering the hit to speed up the next lookup nearby.
    @inlinable public mutating func lookup(_ address: UInt64) -> Int? {
        let r = find(address)
        if let r { lastHit = r }
        return r
    }

    public subscript(index: Int) -> VirtualMemoryArea { areas[index] }

    /// True when any VMA overlaps [start, end).
    public func overlaps(_ start: UInt64, _ end: UInt64) -> Bool {
        var lo = 0, hi = areas.count
        while lo < hi { let mid = (lo + hi) >> 1; if areas[mid].end <= start { lo = mid + 1 } else { hi = mid } }
        return lo < areas.count && areas[lo].start < end
    }

    /// Inserts a VMA that overlaps none, merging with equal neighbours (`vma_merge`) unless
    /// `merge` is false (regions read from /proc/PID/maps are separate VMAs already).
    /// Returns the id the range ends up under and the ids of VMAs merged away.
    @discardableResult
    public mutating func insert(_ vma: VirtualMemoryArea, merge: Bool = true) -> (id: VMAID, mergedAway: [VMAID]) {
        precondition(!overlaps(vma.start, vma.end), "insert over an existing VMA")
        var lo = 0, hi = areas.count
        while lo < hi { let mid = (lo + hi) >> 1; if areas[mid].start < vma.start { lo = mid + 1 } else { hi = mid } }
        var index = lo
        var merged: [VMAID] = []
        if merge && index > 0 && areas[index - 1].canMerge(with: vma) {
            index -= 1
            areas[index].end = vma.end
            if areas[index].anonVMA == 0 { areas[index].anonVMA = vma.anonVMA }
            merged.append(vma.id)
        } else {
            areas.insert(vma, at: index)
        }
        if merge && index + 1 < areas.count && areas[index].canMerge(with: areas[index + 1]) {
            areas[index].end = areas[index + 1].end
            if areas[index].anonVMA == 0 { areas[index].anonVMA = areas[index + 1].anonVMA }
            merged.append(areas[index + 1].id)
            areas.remove(at: index + 1)
        }
        lastHit = index
        return (areas[index].id, merged)
    }

    /// Merges compatible neighbours among the VMAs touching [start, end] after their protection
    /// or flags changed (`vma_merge` from `mprotect_fixup`, `madvise_update_vma`, `mlock_fixup`).
    /// Returns the VMAs merged away (their pages now belong to the survivor before them).
    public mutating func mergeAround(_ start: UInt64, _ end: UInt64) -> [VirtualMemoryArea] {
        var gone: [VirtualMemoryArea] = []
        var lo = 0, hi = areas.count
        while lo < hi { let mid = (lo + hi) >> 1; if areas[mid].end < start { lo = mid + 1 } else { hi = mid } }
        var i = lo + 1
        while i < areas.count && areas[i - 1].end <= end {
            if areas[i - 1].canMerge(with: areas[i]) {
                gone.append(areas[i])
                let tail = areas[i]
                areas[i - 1].end = tail.end
                if areas[i - 1].anonVMA == 0 { areas[i - 1].anonVMA = tail.anonVMA }
                areas.remove(at: i)
            } else {
                i += 1
            }
        }
        lastHit = 0
        return gone
    }

    /// Splits VMAs so that `address` is a boundary (`__split_vma`); the upper part gets `newID()`.
    /// Returns the VMA created by the split, if any.
    public mutating func split(at address: UInt64, newID: () -> VMAID) -> VirtualMemoryArea? {
        guard let i = find(address), areas[i].start < address else { return nil }
        var upper = areas[i]
        upper.id = newID()
        upper.offset += address - areas[i].start
        upper.start = address
        areas[i].end = address
        areas.insert(upper, at: i + 1)
        return upper
    }

    /// Removes every VMA part inside [start, end) after splitting at both ends; returns what was removed
    /// and every VMA the splits created (some of which may be among the removed).
    public mutating func remove(_ start: UInt64, _ end: UInt64, newID: () -> VMAID)
        -> (removed: [VirtualMemoryArea], created: [VirtualMemoryArea]) {
        var created: [VirtualMemoryArea] = []
        if let s = split(at: start, newID: newID) { created.append(s) }
        if let s = split(at: end, newID: newID) { created.append(s) }
        var lo = 0, hi = areas.count
        while lo < hi { let mid = (lo + hi) >> 1; if areas[mid].end <= start { lo = mid + 1 } else { hi = mid } }
        var j = lo
        while j < areas.count && areas[j].start < end { j += 1 }
        let removed = Array(areas[lo..<j])
        areas.removeSubrange(lo..<j)
        lastHit = 0
        return (removed, created)
    }

    /// Changes the protection of [start, end) (which must be fully mapped), splitting at the ends
    /// (`mprotect_fixup`). Returns the VMAs changed and those created by splits.
    public mutating func protect(_ start: UInt64, _ end: UInt64, _ prot: Protection, newID: () -> VMAID)
        -> (changed: [VirtualMemoryArea], created: [VirtualMemoryArea]) {
        var created: [VirtualMemoryArea] = []
        if let s = split(at: start, newID: newID) { created.append(s) }
        if let s = split(at: end, newID: newID) { created.append(s) }
        var changed: [VirtualMemoryArea] = []
        for i in areas.indices where areas[i].start >= start && areas[i].end <= end {
            areas[i].prot = prot
            changed.append(areas[i])
        }
        return (changed, created)
    }

    /// Mutates the VMA at `index` in place (flags, end) — callers keep the invariants.
    public mutating func update(_ index: Int, _ body: (inout VirtualMemoryArea) -> Void) { body(&areas[index]) }

    /// True when [start, end) is covered by VMAs with no hole.
    public func isFullyMapped(_ start: UInt64, _ end: UInt64) -> Bool {
        var cursor = start
        guard var i = find(start) else { return false }
        while cursor < end {
            guard i < areas.count, areas[i].start <= cursor else { return false }
            cursor = areas[i].end; i += 1
        }
        return true
    }

    /// The highest gap of `length` bytes ending at or below `ceiling` and starting at or above `floor`
    /// (`unmapped_area_topdown`), keeping `guardGap` below VM_GROWSDOWN areas.
    public func highestGap(length: UInt64, floor: UInt64, ceiling: UInt64, guardGap: UInt64) -> UInt64? {
        guard length > 0, ceiling >= length else { return nil }
        var top = Page.alignDown(ceiling)
        for v in areas.reversed() {
            let g: UInt64 = v.flags.contains(.growsDown) ? guardGap : 0
            let blockStart = v.start >= g ? v.start - g : 0
            if blockStart >= top { continue }
            if v.end < top, top - v.end >= length, top - length >= floor { return top - length }
            top = min(top, blockStart)
            if top < floor || top - floor < length { return nil }
        }
        return top >= floor && top - floor >= length ? top - length : nil
    }

    /// Sum of VMA sizes in pages (total_vm).
    public var totalPages: UInt64 { areas.reduce(0) { $0 + $1.pages } }
    public var count: Int { areas.count }
}
