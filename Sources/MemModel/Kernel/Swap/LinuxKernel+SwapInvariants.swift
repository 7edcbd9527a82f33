import MemTrace

extension LinuxKernel {
    /// The swap subsystem against the rest of the model: the areas' and the cache's own
    /// invariants; each slot's reference count equal to the swap entries naming it in live page
    /// tables and shmem objects; swap entries only inside VMAs with an anon_vma and never beside a present entry;
    /// swap-cache frames held as anonymous pages on an LRU; MM_SWAPENTS summing to the slots' counts.
    public func swapInvariantViolations() -> [String] {
        var problems = swap.invariantViolations()
        var references: [SwapEntry: Int] = [:]
        for pid in tasks.order {
            guard let p = tasks[pid], p.alive, p.table.hasSwapEntries else { continue }
            for (vpn, e) in p.table.allSwapEntries {
                references[e, default: 0] += 1
                let a = Page.address(ofNumber: vpn)
                if p.table.entry(vpn) != nil { problems.append("pid \(pid): 0x\(String(a, radix: 16)) has a present and a swap entry") }
                guard let vi = p.space.find(a), p.space[vi].contains(a) else {
                    problems.append("pid \(pid): swap entry at 0x\(String(a, radix: 16)) outside every VMA"); continue
                }
                if p.space[vi].anonVMA == 0 { problems.append("pid \(pid): swap entry at 0x\(String(a, radix: 16)) in a VMA without anon_vma") }
            }
        }
        // A shmem object's pages in swap hold their slots too (`swap_shmem_alloc`).
        for o in cache.shmem.keys.sorted() {
            for (index, e) in cache.shmem[o]!.swapped {
                references[e, default: 0] += 1
                if cache.shmem[o]!.pages[index] != nil { problems.append("shmem object \(o) page \(index) is both cached and in swap") }
            }
        }
        for (a, area) in swap.areas.enumerated() {
            for o in 1..<UInt64(area.map.count) {
                let e = SwapEntry(area: a, offset: o)
                let expected = references[e] ?? 0
                if Int(area.count(o)) != expected {
                    problems.append("\(e): count \(area.count(o)), \(expected) swap entries name it"); break
                }
            }
        }
        for f in swap.cachedFrames where !frames.folioFlags(f).contains(.swapCache) {
            problems.append("frame \(f) is in the swap cache without PG_swapcache")
        }
        for (e, f) in swap.cache {
            if frames.useOf(f) != .anonymous { problems.append("swap cache \(e): frame \(f) holds \(frames.useOf(f))") }
            if frames.lruListOf(f) == nil { problems.append("swap cache \(e): frame \(f) on no LRU") }
        }
        return problems
    }
}
