import MemTrace

/// An access stream with the locality of a real program: a loop body of instruction fetches
/// around sequential array scans, fixed-stride walks, stack traffic, and pointer chasing over a
/// pool of a few thousand nodes revisited in the same order.
struct LocalityStream {
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

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        var order = Array(0..<4096)
        order.shuffle(using: &rng)
        chain = order.map { 0x5555_0000_0000 + UInt64($0) * 64 }
    }

    mutating func next() -> TraceRecord {
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

/// A malloc/free stream from a size-class allocator model: common small sizes, LIFO free lists
/// per class, frees mostly of recent blocks, some calloc/realloc, addresses kept.
struct MallocStream {
    private var rng: SplitMix64
    private var live: [(address: UInt64, size: UInt64)] = []
    private var freeLists: [[UInt64]] = Array(repeating: [], count: 12)
    private var bump: UInt64 = 0x5600_0000_0000
    private var time: UInt64 = 0
    private static let sizes: [UInt64] = [16, 24, 32, 32, 48, 64, 64, 96, 128, 256, 512, 4096]

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    private static func sizeClass(_ size: UInt64) -> Int {
        var c = 0
        while c < 11 && (UInt64(16) << c) < size { c += 1 }
        return c
    }

    private mutating func allocate(_ size: UInt64) -> UInt64 {
        let c = MallocStream.sizeClass(size)
        if let reused = freeLists[c].popLast() { return reused }
        let address = bump
        bump += (UInt64(16) << c) + 16
        return address
    }

    mutating func next() -> TraceRecord {
        time += 40 + rng.next() % 48
        let call: AllocationCall
        let r = rng.next() % 100
        if live.count > 64 && (r < 48 || live.count > 4000) {
            let i = rng.next() % 10 < 7 ? live.count - 1 : Int(rng.next() % UInt64(live.count))
            let block = live[i]
            live[i] = live[live.count - 1]
            live.removeLast()
            freeLists[MallocStream.sizeClass(block.size)].append(block.address)
            call = AllocationCall(op: .free, pointer: VirtualAddress(block.address))
        } else if r < 96 || live.isEmpty {
            let size = MallocStream.sizes[Int(rng.next() % UInt64(MallocStream.sizes.count))]
            let address = allocate(size)
            live.append((address, size))
            call = r % 8 == 0
                ? AllocationCall(op: .calloc, size: size / 4, count: 4, result: VirtualAddress(address))
                : AllocationCall(op: .malloc, size: size, result: VirtualAddress(address))
        } else {
            let i = live.count - 1
            let old = live[i]
            let size = old.size * 2
            let address = allocate(size)
            freeLists[MallocStream.sizeClass(old.size)].append(old.address)
            live[i] = (address, size)
            call = AllocationCall(op: .realloc, pointer: VirtualAddress(old.address), size: size,
                                  result: VirtualAddress(address))
        }
        return TraceRecord(time: time, pid: ProcessID(200), tid: ThreadID(201), event: .alloc(call))
    }
}

/// The shape of Tests/Fixtures/recorder/churn.c: a ring of 64 live blocks, each step frees the
/// oldest and mallocs a new block of pseudo-random size (churn.c's xorshift and size mix), with
/// addresses as glibc returns them: a per-chunk-class LIFO free list (tcache/fastbins, glibc's
/// `tcache_get`), else a bump from the top chunk (`sysmalloc`/top split). Every address is kept.
struct ChurnStream {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var ring: [UInt64] = Array(repeating: 0, count: 64)
    private var freeLists: [UInt64: [UInt64]] = [:]
    private var chunkClass: [UInt64: UInt64] = [:]
    private var top: UInt64 = 0x5555_5555_9000
    private var time: UInt64 = 1_000_000
    private var step = 0
    private var pendingMalloc = false

    private mutating func xorshift() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }

    private mutating func pickSize() -> UInt64 {
        let r = xorshift()
        let k = r & 1023
        if k < 700 { return 16 + ((r >> 10) & 7) * 16 }
        if k < 950 { return 128 + ((r >> 10) & 63) * 32 }
        if k < 1020 { return 4096 + ((r >> 10) & 15) * 1024 }
        return 64 * 1024 + ((r >> 10) & 3) * 32 * 1024
    }

    /// glibc's `request2size`.
    private static func chunkSize(_ n: UInt64) -> UInt64 { max(32, (n + 8 + 15) & ~15) }

    mutating func next() -> TraceRecord {
        // The recorder's clock ticks in microseconds; a pair takes ~0.4 µs.
        if xorshift() % 5 == 0 { time += 1000 }
        let call: AllocationCall
        let slot = step % 64
        if !pendingMalloc {
            let old = ring[slot]
            if old != 0, let c = chunkClass.removeValue(forKey: old) { freeLists[c, default: []].append(old) }
            call = AllocationCall(op: .free, pointer: VirtualAddress(old))
        } else {
            let n = pickSize()
            let c = ChurnStream.chunkSize(n)
            let address: UInt64
            if let reused = freeLists[c]?.popLast() {
                address = reused
            } else {
                address = top + 16
                top += c
            }
            chunkClass[address] = c
            ring[slot] = address
            step += 1
            call = AllocationCall(op: .malloc, size: n, result: VirtualAddress(address))
        }
        pendingMalloc.toggle()
        return TraceRecord(time: time, pid: ProcessID(300), tid: ThreadID(300), event: .alloc(call))
    }
}
