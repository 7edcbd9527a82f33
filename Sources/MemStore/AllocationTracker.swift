import MemTrace

/// The blocks live in each process as the store sees the allocation calls go by, so that each
/// allocation's `allocations` row is written once its block is released (or at the end).
///
/// The rules are `RecordedHeap`'s: a successful call other than free hands out the block at its
/// result; free of a non-NULL pointer, and realloc/reallocarray of one that succeeded or asked
/// for 0 bytes, release it. Keyed by (pid, address): a fork child's frees of inherited blocks find
/// nothing (the parent's rows are released by the parent), and a new block at a live address (an
/// exec dropped the old heap) closes the old row as never freed.
struct AllocationTracker {
    struct Key: Hashable { var pid: UInt32; var address: UInt64 }
    struct Block: Equatable { var seq: Int64; var tid: UInt32; var stack: UInt32; var size: UInt64 }

    private(set) var live: [Key: Block] = [:]

    /// What a call did: the block it released (with the call's seq and stack as its end), and the
    /// block it replaced without a release (never freed).
    struct Effect {
        var released: (key: Key, block: Block)?
        var dropped: (key: Key, block: Block)?
    }

    /// Applies call `a` of `pid` at `seq`.
    @inline(__always)
    mutating func apply(seq: Int64, pid: UInt32, tid: UInt32, _ a: AllocationCall) -> Effect {
        var effect = Effect()
        let ok = a.result != .null && a.error == 0
        if a.pointer != .null {
            let releases = a.op == .free || ((a.op == .realloc || a.op == .reallocarray) && (ok || a.requestedBytes == 0))
            let key = Key(pid: pid, address: a.pointer.rawValue)
            if releases, let b = live.removeValue(forKey: key) { effect.released = (key, b) }
        }
        if ok && a.op != .free {
            let key = Key(pid: pid, address: a.result.rawValue)
            let block = Block(seq: seq, tid: tid, stack: a.stack.rawValue, size: a.requestedBytes)
            if let old = live.updateValue(block, forKey: key) { effect.dropped = (key, old) }
        }
        return effect
    }

    /// Empties the tracker; returns the blocks still live, in allocation order.
    mutating func drain() -> [(key: Key, block: Block)] {
        defer { live = [:] }
        return live.map { ($0.key, $0.value) }.sorted { $0.block.seq < $1.block.seq }
    }

    /// True when no two live blocks share an allocation seq and every block is from a call before
    /// `seq` (the tracker's invariant, checked by tests).
    func checkInvariants(before seq: Int64) -> Bool {
        Set(live.values.map(\.seq)).count == live.count && live.values.allSatisfy { $0.seq < seq && $0.seq > 0 }
    }
}
