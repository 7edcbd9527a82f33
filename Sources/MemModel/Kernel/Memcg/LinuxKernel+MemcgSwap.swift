import MemTrace

/// Swap charged to memory cgroups (cgroup v2 `memory.swap.max`, mm/memcontrol.c): a page's slot is
/// charged to its cgroup when reclaim gives it one, refused when that or an ancestor would pass
/// its `memory.swap.max` (`memory.swap.events` max and fail), and uncharged when the slot frees.
extension LinuxKernel {
    /// `memory.swap.current` of cgroup `g`: the slots charged to it and its descendants.
    public func swapCurrent(_ g: Int) -> UInt64 {
        memcg.subtree(g).reduce(0) { $0 + (swap.chargedSlots[$1] ?? 0) }
    }

    /// `mem_cgroup_get_nr_swap_pages`: the swap slots cgroup `g` may still take — the free slots,
    /// cut to each non-root ancestor's (and its own) `memory.swap.max` − `memory.swap.current`.
    func swapRoom(_ g: Int) -> UInt64 {
        var room = swap.freePages
        guard g != MemcgTree.root, memcg.groups.count > 1 else { return room }
        for a in memcg.ancestry(g) where a != MemcgTree.root {
            let max = memcg.groups[a].swapMax
            guard max != MemoryCgroup.unlimited else { continue }
            let used = swapCurrent(a)
            room = min(room, max > used ? max - used : 0)
        }
        return room
    }

    /// `mem_cgroup_try_charge_swap` for the page in frame `f` given slot `e`: false (and the
    /// cgroup's swap events `max` and `fail` counted) when its cgroup has no room.
    mutating func chargeSwap(_ f: PageFrameNumber, _ e: SwapEntry) -> Bool {
        let g = frames.memcgOf(f)
        guard g != MemcgTree.root, memcg.groups.count > 1 else { return true }
        guard swapRoom(g) > 0 else {
            memcg.swapEvent(g, fail: true)
            return false
        }
        swap.charge(e, to: g)
        return true
    }
}
