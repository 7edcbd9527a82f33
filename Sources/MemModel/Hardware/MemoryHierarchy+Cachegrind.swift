import MemTrace

extension MemoryHierarchy {
    /// One access under valgrind cachegrind's rules (cachegrind/cg_sim.c, cg_main.c):
    /// - an instruction fetch is an I1 reference of the instruction's size; a load or a modify is
    ///   one D1 read (`Ev_Dm` is logged as a read); a store one D1 write;
    /// - sizes are clipped to the smallest line size (`min_line_size`);
    /// - a reference straddling two lines probes both and counts one miss (`cachesim_ref_is_miss`);
    /// - on an L1 miss the same reference goes to L2 when present, then LL (`cachesim_I1_doref_Gen`);
    /// - true LRU with move-to-front, write-allocate, no dirty state, no write-backs.
    @inline(__always)
    mutating func accessCachegrind(_ access: MemoryAccess) -> HardwareOutcome {
        let a = access.address.rawValue
        let size = UInt64(max(1, min(UInt64(access.size), clipBytes)))
        let instruction = access.kind == .instruction
        let l1: Int = instruction ? 0 : 1
        let levels = arena.extras, arrays = arena.arrays
        var served = MemoryLevel.l1
        var latency = 0
        if presentMask & (1 << UInt8(l1)) != 0 {
            latency += levels[l1].latency
            levels[l1].accesses &+= 1
            if MemoryHierarchy.refIsMiss(arrays + l1, levels[l1].lineShift, a, size) {
                levels[l1].misses &+= 1
                served = .memory
            }
        } else {
            served = .memory
        }
        if served == .memory {
            for slot in 2...3 where presentMask & (1 << UInt8(slot)) != 0 {
                latency += levels[slot].latency
                levels[slot].accesses &+= 1
                if !MemoryHierarchy.refIsMiss(arrays + slot, levels[slot].lineShift, a, size) { served = slot == 2 ? .l2 : .l3; break }
                levels[slot].misses &+= 1
            }
            if served == .memory {
                latency += memoryLatencyCycles
                counters.memoryReads &+= 1
            }
        }
        // cachegrind's LL is the last level: a miss there is an "LL miss" even when L2 exists.
        switch access.kind {
        case .instruction:
            counters.Ir &+= 1
            if served != .l1 { counters.I1mr &+= 1 }
            if served == .memory { counters.ILmr &+= 1 }
        case .load, .modify:
            counters.Dr &+= 1
            if served != .l1 { counters.D1mr &+= 1 }
            if served == .memory { counters.DLmr &+= 1 }
        case .store:
            counters.Dw &+= 1
            if served != .l1 { counters.D1mw &+= 1 }
            if served == .memory { counters.DLmw &+= 1 }
        case .touchLoad, .touchStore, .touchFetch, .touchAny:
            break  // never simulated (HardwareModel.touched)
        }
        counters.accesses &+= 1
        counters.latencyCycles &+= UInt64(latency)
        return recordAccesses ? HardwareOutcome(servedBy: served, latency: UInt32(latency)) : HardwareOutcome()
    }

    /// `cachesim_ref_is_miss`: probes the one or two lines `[a, a+size)` touches in `tags` (lines
    /// of 2^`shift` bytes); both probes always happen (they update LRU state); a miss of either is a miss.
    @inline(__always)
    static func refIsMiss(_ tags: UnsafeMutablePointer<TagArray>, _ shift: UInt64, _ a: UInt64, _ size: UInt64) -> Bool {
        let b1 = a >> shift, b2 = (a &+ size &- 1) >> shift
        if b1 == b2 { return !tags.access(b1).hit }
        let m1 = !tags.access(b1).hit
        let m2 = !tags.access(b2).hit
        return m1 || m2
    }
}
