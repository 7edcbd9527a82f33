import MemReplay
import MemTrace

/// The `allocations` table of `SQLiteStore` (behind `v_allocations`): one row per successful
/// allocation with the call that released its block, written when the block is released, or by
/// `finish` for the blocks never released.
extension SQLiteStore {
    /// Follows allocation call `a` (event `seq`) and writes the rows it closes.
    @inline(__always)
    func trackAllocation(_ seq: Int64, _ rec: TraceRecord, _ a: AllocationCall) {
        let effect = allocationTracker.apply(seq: seq, pid: rec.pid.rawValue, tid: rec.tid.rawValue, a)
        if let r = effect.released { addAllocation(r.key, r.block, freeSeq: seq, freeStack: a.stack.rawValue) }
        if let d = effect.dropped { addAllocation(d.key, d.block, freeSeq: nil, freeStack: nil) }
    }

    /// Writes the rows of the blocks still live (never released), in allocation order.
    func writeLiveAllocations() throws {
        for (key, block) in allocationTracker.drain() {
            addAllocation(key, block, freeSeq: nil, freeStack: nil)
            try flushIfFull()
        }
    }

    @inline(__always)
    private func addAllocation(_ key: AllocationTracker.Key, _ b: AllocationTracker.Block, freeSeq: Int64?, freeStack: UInt32?) {
        add(.allocations) { r in
            r.put(b.seq); r.put(key.pid); r.put(b.tid); r.put(b.stack); r.put(b.size); r.put(key.address)
            r.put(optional: freeSeq); r.put(optional: freeStack)
        }
    }
}
