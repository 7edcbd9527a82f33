import MemTrace

/// Slabs, extents and decay of the jemalloc-like model (jemalloc's arena.c, extent.c, decay.c).
extension JemallocModel {
    /// `arena_slab_reg_alloc`: the lowest free region of the bin's lowest non-full slab, a new
    /// slab when none has room.
    mutating func slabAlloc(_ a: Int, _ bin: Int) -> UInt64 {
        var id: Int
        if let first = arenas[a].nonfull[bin].first {
            id = first
        } else {
            let pages = UInt64(JemallocSizeClasses.slabPages[bin])
            let (start, _) = extentAlloc(a, pages * 4096)
            guard start != 0 else { return 0 }
            let n = JemallocSizeClasses.regions[bin]
            let slab = Slab(start: start, bin: bin, arena: a, nfree: n, bits: [UInt64](repeating: 0, count: (n + 63) / 64))
            if let reuse = freeSlabIDs.popLast() { slabs[reuse] = slab; id = reuse } else { slabs.append(slab); id = slabs.count - 1 }
            for k in 0..<pages { slabByPage[(start >> 12) + k] = id }
            insertNonfull(a, bin, id)
        }
        var w = 0
        while slabs[id].bits[w] == .max { w += 1 }
        let bit = (~slabs[id].bits[w]).trailingZeroBitCount
        slabs[id].bits[w] |= 1 << UInt64(bit)
        slabs[id].nfree -= 1
        if slabs[id].nfree == 0 { arenas[a].nonfull[bin].removeAll { $0 == id } }
        return slabs[id].start + UInt64(w * 64 + bit) * JemallocSizeClasses.classes[bin]
    }

    mutating func insertNonfull(_ a: Int, _ bin: Int, _ id: Int) {
        let s = slabs[id].start
        let i = arenas[a].nonfull[bin].firstIndex { slabs[$0].start > s } ?? arenas[a].nonfull[bin].count
        arenas[a].nonfull[bin].insert(id, at: i)
    }

    /// `arena_dalloc_bin`: the region's bit is cleared; an emptied slab goes back as a dirty extent.
    mutating func slabFree(_ id: Int, _ p: UInt64) {
        let bin = slabs[id].bin, a = slabs[id].arena
        let r = Int((p - slabs[id].start) / JemallocSizeClasses.classes[bin])
        slabs[id].bits[r / 64] &= ~(1 << UInt64(r % 64))
        slabs[id].nfree += 1
        if slabs[id].nfree == 1 { insertNonfull(a, bin, id) }
        if slabs[id].nfree == JemallocSizeClasses.regions[bin] {
            arenas[a].nonfull[bin].removeAll { $0 == id }
            let pages = UInt64(JemallocSizeClasses.slabPages[bin])
            for k in 0..<pages { slabByPage[(slabs[id].start >> 12) + k] = nil }
            extentFree(a, slabs[id].start, pages * 4096)
            freeSlabIDs.append(id)
        }
    }

    /// A large block: an extent of the class size.
    mutating func largeAlloc(_ a: Int, _ usize: UInt64) -> UInt64 {
        let (start, path) = extentAlloc(a, usize)
        guard start != 0 else { return 0 }
        large[start] = (usize, a)
        lastPath = path
        return start
    }

    /// Takes `size` bytes (page multiple) from the lowest fitting extent of `list`, leaving the rest.
    static func takeFirstFit(_ list: inout [Extent], _ size: UInt64, _ steps: inout UInt64) -> UInt64? {
        for i in list.indices {
            steps += 1
            if list[i].size >= size {
                let start = list[i].start
                if list[i].size == size { list.remove(at: i) } else { list[i].start += size; list[i].size -= size }
                return start
            }
        }
        return nil
    }

    /// `extent_alloc_wrapper`: dirty first, then muzzy, then retained, then new virtual memory:
    /// `extent_grow_retained` maps the next growth size (page aligned, wherever the kernel puts
    /// it) and keeps the rest retained, advancing the growth index only once the mapping exists
    /// (`exp_grow_size_commit`); when the kernel refuses, `ecache_alloc_grow` falls back to mapping
    /// exactly `size`; when that is refused too the extent (and the malloc) fails: NULL, ENOMEM.
    mutating func extentAlloc(_ a: Int, _ size0: UInt64) -> (UInt64, AllocPath) {
        let size = (size0 + 4095) & ~4095
        if let s = JemallocModel.takeFirstFit(&arenas[a].dirty, size, &searchSteps) { dirtyBytes -= size; return (s, .extentReused) }
        if let s = JemallocModel.takeFirstFit(&arenas[a].muzzy, size, &searchSteps) { muzzyBytes -= size; return (s, .extentReused) }
        if let s = JemallocModel.takeFirstFit(&arenas[a].retained, size, &searchSteps) { retainedBytes -= size; return (s, .extentNew) }
        // Beyond the largest size class no extent can be grown (the real call fails: ENOMEM).
        guard size <= JemallocSizeClasses.classes[JemallocSizeClasses.classes.count - 1] else { return (0, .none) }
        var next = growIndex
        while JemallocSizeClasses.classes[next] < size { next += 1 }
        let grow = JemallocSizeClasses.classes[next]
        if let start = mapExtent(grow) {
            growIndex = min(next + 1, JemallocSizeClasses.classes.count - 1)
            if grow > size { JemallocModel.insertExtent(&arenas[a].retained, Extent(start: start + size, size: grow - size, since: now)); retainedBytes += grow - size }
            return (start, .extentNew)
        }
        guard grow > size, let start = mapExtent(size) else { return (0, .none) }
        return (start, .extentNew)
    }

    /// `pages_map` (pages.c): an anonymous read-write mapping of `length` bytes at the address
    /// the kernel picks; nil when it refuses.
    mutating func mapExtent(_ length: UInt64) -> UInt64? {
        let r = effects.perform(AllocatorSyscall(op: .mmap, length: length, prot: [.read, .write], flags: AllocatorSyscall.mapPrivateAnonymous))
        guard r >= 0 else { return nil }
        maps.append((UInt64(r), length))
        mappedBytes += length
        return UInt64(r)
    }

    /// Inserts an extent in address order, coalescing with neighbours of the same state.
    static func insertExtent(_ list: inout [Extent], _ e: Extent) {
        var i = 0
        var lo = 0, hi = list.count
        while lo < hi { let m = (lo + hi) / 2; if list[m].start < e.start { lo = m + 1 } else { hi = m } }
        i = lo
        var x = e
        if i < list.count && list[i].start == x.start + x.size { x.size += list[i].size; x.since = max(x.since, list[i].since); list.remove(at: i) }
        if i > 0 && list[i - 1].start + list[i - 1].size == x.start {
            list[i - 1].size += x.size; list[i - 1].since = max(list[i - 1].since, x.since)
        } else {
            list.insert(x, at: i)
        }
    }

    /// `extent_dalloc_wrapper` → the dirty cache (purged at once in an arena with no decay).
    mutating func extentFree(_ a: Int, _ start: UInt64, _ size: UInt64) {
        JemallocModel.insertExtent(&arenas[a].dirty, Extent(start: start, size: size, since: now))
        dirtyBytes += size
        if a == hugeArena || options.dirtyDecayMs == 0 { purge(a, dirty: true, keep: 0) }
    }

    /// Runs decay when an epoch (1/200 of the decay time) has passed.
    /// Ticked by every malloc and free (`arena_decay_tick`).
    mutating func decayIfDue() {
        let epoch = max(1, options.dirtyDecayMs * 1_000_000 / 200)
        guard now >= nextDecay else { return }
        nextDecay = now + epoch
        for a in arenas.indices where now >= arenas[a].lastDecay + epoch {
            arenas[a].lastDecay = now
            if !arenas[a].dirty.isEmpty { purge(a, dirty: true, keep: allowed(arenas[a].dirty, options.dirtyDecayMs)) }
            if !arenas[a].muzzy.isEmpty { purge(a, dirty: false, keep: allowed(arenas[a].muzzy, options.muzzyDecayMs)) }
        }
    }

    /// Pages allowed to stay: each extent's pages weighted by 1 − smoothstep(age / decay time).
    func allowed(_ list: [Extent], _ decayMs: UInt64) -> UInt64 {
        guard decayMs > 0 else { return 0 }
        let d = Double(decayMs) * 1e6
        var total = 0.0
        for e in list {
            let x = min(1, Double(now &- e.since) / d)
            total += Double(e.size) * (1 - x * x * (3 - 2 * x))
        }
        return UInt64(total)
    }

    /// Purges the oldest extents until at most `keep` bytes remain: dirty → muzzy (MADV_FREE)
    /// or straight to retained (MADV_DONTNEED) when muzzy decay is off; muzzy → retained.
    mutating func purge(_ a: Int, dirty: Bool, keep: UInt64) {
        var list = dirty ? arenas[a].dirty : arenas[a].muzzy
        var held = list.reduce(0) { $0 + $1.size }
        guard held > keep else { return }
        let order = list.indices.sorted { (list[$0].since, list[$0].start) < (list[$1].since, list[$1].start) }
        var gone = Set<Int>()
        let lazy = dirty && options.muzzyDecayMs > 0 && a != hugeArena
        for i in order where held > keep {
            var e = list[i]
            let excess = (held - keep + 4095) & ~4095
            if e.size > excess {
                // Purge only the extent's tail; its head stays dirty (extent split).
                list[i].size -= excess
                e.start += e.size - excess; e.size = excess
            } else {
                gone.insert(i)
            }
            held -= e.size
            effects.perform(AllocatorSyscall(op: .madvise, address: e.start, length: e.size,
                                             flags: lazy ? Advice.free.rawValue : Advice.dontNeed.rawValue))
            if lazy { JemallocModel.insertExtent(&arenas[a].muzzy, Extent(start: e.start, size: e.size, since: now)); muzzyBytes += e.size }
            else { JemallocModel.insertExtent(&arenas[a].retained, e); retainedBytes += e.size }
            if dirty { dirtyBytes -= e.size } else { muzzyBytes -= e.size }
        }
        list = list.enumerated().filter { !gone.contains($0.offset) }.map(\.element)
        if dirty { arenas[a].dirty = list } else { arenas[a].muzzy = list }
    }

    /// Broken invariants: slab bitmaps match their free counts, the page map points at live
    /// slabs, extents of each state are sorted, disjoint and uncoalesced, byte counters add up,
    /// the mappings made do not overlap.
    public func invariantViolations() -> [String] {
        var v: [String] = []
        let liveSlabs = Set(slabByPage.values)
        for id in liveSlabs {
            let s = slabs[id]
            let used = s.bits.reduce(0) { $0 + $1.nonzeroBitCount }
            if used + s.nfree != JemallocSizeClasses.regions[s.bin] { v.append("slab \(id): bitmap and free count disagree") }
        }
        var d: UInt64 = 0, m: UInt64 = 0, r: UInt64 = 0
        for (ai, a) in arenas.enumerated() {
            for (name, list) in [("dirty", a.dirty), ("muzzy", a.muzzy), ("retained", a.retained)] {
                for i in list.indices.dropFirst() where list[i - 1].start + list[i - 1].size >= list[i].start {
                    v.append("arena \(ai) \(name) extents \(i - 1) and \(i) overlap or touch")
                }
            }
            d += a.dirty.reduce(0) { $0 + $1.size }; m += a.muzzy.reduce(0) { $0 + $1.size }; r += a.retained.reduce(0) { $0 + $1.size }
            for bin in a.nonfull.indices { for id in a.nonfull[bin] where slabs[id].nfree == 0 || !liveSlabs.contains(id) { v.append("slab \(id) wrongly listed non-full") } }
        }
        if d != dirtyBytes || m != muzzyBytes || r != retainedBytes { v.append("extent byte counters disagree") }
        if mappedBytes != maps.reduce(0, { $0 + $1.size }) { v.append("mapped bytes do not add up") }
        let held = mappings
        for i in held.indices.dropFirst() where held[i - 1].end > held[i].start { v.append("mappings \(held[i - 1]) and \(held[i]) overlap") }
        return v
    }
}
