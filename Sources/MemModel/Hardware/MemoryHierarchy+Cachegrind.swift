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
        var served = MemoryLevel.l1
        var latency = 0
        if present[l1] {
            latency += hitLatency(l1)
            fastAccesses[l1] &+= 1
            if refIsMiss(l1, a, size) {
                fastMisses[l1] &+= 1
                served = .memory
            }
        } else {
            served = .memory
        }
        if served == .memory {
            for slot in 2...3 where present[slot] {
                latency += hitLatency(slot)
                fastAccesses[slot] &+= 1
                if !refIsMiss(slot, a, size) { served = slot == 2 ? .l2 : .l3; break }
                fastMisses[slot] &+= 1
            }
            if served == .memory {
                latency += configuration.memoryLatencyCycles
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
        }
        counters.accesses &+= 1
        counters.latencyCycles &+= UInt64(latency)
        return configuration.recordAccesses ? HardwareOutcome(servedBy: served, latency: UInt32(latency)) : .none
    }

    /// `cachesim_ref_is_miss`: probes the one or two lines `[a, a+size)` touches in slot `slot`;
    /// both probes always happen (they update LRU state); a miss of either is a miss.
    @inline(__always)
    mutating func refIsMiss(_ slot: Int, _ a: UInt64, _ size: UInt64) -> Bool {
        let s = shift(slot)
        let b1 = a >> s, b2 = (a &+ size &- 1) >> s
        if b1 == b2 { return !withTags(slot) { $0.access(b1).hit } }
        let m1 = !withTags(slot) { $0.access(b1).hit }
        let m2 = !withTags(slot) { $0.access(b2).hit }
        return m1 || m2
    }
}
