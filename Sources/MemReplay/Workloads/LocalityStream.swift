import MemTrace

/// An access stream with the locality of a real program: a loop body of instruction fetches
/// around sequential array scans, fixed-stride walks, stack traffic, and pointer chasing over a
/// pool of a few thousand nodes revisited in the same order.
public struct LocalityStream {
    private var rng: SplitMix64
    private var pending: [MemoryAccess] = []
    private var pendingIndex = 0
    private var time: UInt64 = 1_000
    private var emitted = 0
    private let chain: [UInt64]
    private var chainIndex = 0
    private var scanIndex: UInt64 = 0
    private var strideIndex: UInt64 = 0
    private var phase = 0

    public init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        var order = Array(0..<4096)
        order.shuffle(using: &rng)
        chain = order.map { 0x5555_0000_0000 + UInt64($0) * 64 }
    }

    public mutating func next() -> TraceRecord {
        if pendingIndex == pending.count { refill() }
        let a = pending[pendingIndex]
        pendingIndex += 1
        emitted += 1
        if emitted % 4096 == 0 { time += 1_000_000 }
        return TraceRecord(time: time, pid: ProcessID(100), tid: ThreadID(100), event: .access(a))
    }

    /// One iteration of the current loop: its instruction fetches and data accesses.
    private mutating func refill() {
        pending.removeAll(keepingCapacity: true)
        pendingIndex = 0
        if rng.next() % 2000 == 0 { phase = Int(rng.next() % 4) }
        let pc: UInt64 = 0x40_1000 + UInt64(phase) * 0x200
        func fetch(_ offsets: [(UInt64, UInt32)], into list: inout [MemoryAccess]) {
            for (o, size) in offsets { list.append(MemoryAccess(kind: .instruction, address: VirtualAddress(pc + o), size: size)) }
        }
        switch phase {
        case 0:  // sum += a[i]
            fetch([(0, 4), (4, 3), (7, 4), (11, 2)], into: &pending)
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(0x6000_0000 + scanIndex * 8), size: 8))
            scanIndex += 1
        case 1:  // b[i * 64] += 1; c[i * 4096] = x
            fetch([(0, 5), (5, 4), (9, 3), (12, 2)], into: &pending)
            pending.append(MemoryAccess(kind: .modify, address: VirtualAddress(0x7000_0000 + strideIndex * 64), size: 4))
            pending.append(MemoryAccess(kind: .store, address: VirtualAddress(0x9000_0000 + strideIndex * 4096), size: 8))
            strideIndex += 1
        case 2:  // p = p->next; sum += p->value
            fetch([(0, 4), (4, 4), (8, 3), (11, 2)], into: &pending)
            let node = chain[chainIndex]
            chainIndex = (chainIndex + 1) % chain.count
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(node), size: 8))
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(node + 8), size: 8))
        default:  // a call: push, locals, pop
            fetch([(0, 1), (1, 3), (4, 4), (8, 5), (13, 1)], into: &pending)
            let sp: UInt64 = 0x7ffd_0000_0000 - UInt64(rng.next() % 4) * 64
            pending.append(MemoryAccess(kind: .store, address: VirtualAddress(sp - 8), size: 8))
            pending.append(MemoryAccess(kind: .store, address: VirtualAddress(sp - 16), size: 8))
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(sp - 16), size: 8))
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(sp - 8), size: 8))
        }
    }
}
