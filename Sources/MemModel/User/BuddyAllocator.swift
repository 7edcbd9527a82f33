/// A user-space binary buddy allocator (seed 003: "伙伴系统是分离适配的一个特例"): blocks of
/// 2^k bytes from 32 B to 1 GiB carved out of one 1 GiB span above the break; a block splits
/// into two buddies and a freed block merges with its buddy (offset XOR size) while that is free.
/// The break follows the highest block in use, rounded to pages, and never comes down.
/// Each block carries a 16-byte header (its order), so payloads are 16-byte aligned.
public struct BuddyAllocator: HeapAllocator {
    public let name = "buddy"
    static let minOrder = 5
    static let maxOrder = 30
    /// Address of offset 0: the first break read, page aligned (0 until then).
    var base: UInt64 = 0
    /// Free blocks per order, as offsets sorted in decreasing order (the lowest is last).
    var freeLists: [[UInt64]]
    /// Blocks in use: offset → order.
    var used: [UInt64: Int] = [:]
    /// The break as the kernel last returned it; 0 until the first brk(0) read it.
    var currentBreak: UInt64 = 0
    /// The break that first brk(0) read.
    var initialBreak: UInt64 = 0
    /// memalign's aligned pointers → the block's payload.
    var aligned: [UInt64: UInt64] = [:]

    public var effects: AllocatorEffects
    public private(set) var lastChunkSize: UInt64 = 0
    public private(set) var lastPath: AllocPath = .none
    public private(set) var allocatedBytes: UInt64 = 0
    public private(set) var searchSteps: UInt64 = 0

    public init(layout: HeapLayout = HeapLayout()) {
        effects = AllocatorEffects(standIn: StandInKernel(layout: layout))
        freeLists = [[UInt64]](repeating: [], count: BuddyAllocator.maxOrder + 1)
        freeLists[BuddyAllocator.maxOrder] = [0]
    }

    public var breakBytes: UInt64 { currentBreak &- initialBreak }
    public var heapBytes: UInt64 { breakBytes }

    /// The span's part below the break, from the break first read.
    public var mappings: [AllocatorMapping] {
        currentBreak > initialBreak ? [AllocatorMapping(start: initialBreak & ~4095, end: (currentBreak + 4095) & ~4095, prot: [.read, .write])] : []
    }

    static func order(for size: UInt64) -> Int {
        let need = max(size + 16, 32)
        return max(minOrder, 64 - (need - 1).leadingZeroBitCount)
    }

    mutating func insert(_ offset: UInt64, _ k: Int) {
        var lo = 0, hi = freeLists[k].count
        while lo < hi { let m = (lo + hi) / 2; if freeLists[k][m] > offset { lo = m + 1 } else { hi = m } }
        freeLists[k].insert(offset, at: lo)
    }

    mutating func removeFree(_ offset: UInt64, _ k: Int) -> Bool {
        var lo = 0, hi = freeLists[k].count
        while lo < hi { let m = (lo + hi) / 2; if freeLists[k][m] > offset { lo = m + 1 } else { hi = m } }
        guard lo < freeLists[k].count, freeLists[k][lo] == offset else { return false }
        freeLists[k].remove(at: lo)
        return true
    }

    /// malloc: the smallest free block of the order, split down from a larger one if need be; the
    /// break is moved past it (brk) when it lies above. The first call reads the break (brk(0));
    /// when the kernel refuses to move it, the block goes back and the call returns NULL.
    public mutating func malloc(_ size: UInt64, thread: UInt32) -> UInt64 {
        let k = BuddyAllocator.order(for: size)
        guard k <= BuddyAllocator.maxOrder else { lastPath = .none; lastChunkSize = 0; return 0 }
        if currentBreak == 0 {
            let r = effects.perform(AllocatorSyscall(op: .brk, address: 0))
            guard r > 0 else { lastPath = .none; lastChunkSize = 0; return 0 }
            currentBreak = UInt64(r)
            initialBreak = currentBreak
            base = (currentBreak + 4095) & ~4095
        }
        var j = k
        while j <= BuddyAllocator.maxOrder && freeLists[j].isEmpty { j += 1; searchSteps += 1 }
        guard j <= BuddyAllocator.maxOrder else { lastPath = .none; lastChunkSize = 0; return 0 }
        let offset = freeLists[j].removeLast()
        lastPath = j > k ? .buddySplit : .freeList
        while j > k {
            j -= 1
            insert(offset + (1 << UInt64(j)), j)
        }
        let end = offset + (1 << UInt64(k))
        if base + end > currentBreak {
            let target = (base + end + 4095) & ~4095
            let r = effects.perform(AllocatorSyscall(op: .brk, address: target))
            if r > 0 { currentBreak = UInt64(r) }
            guard r > 0, UInt64(r) >= target else {
                release(offset, k)
                lastPath = .none; lastChunkSize = 0
                return 0
            }
            lastPath = .heapExtended
        }
        used[offset] = k
        allocatedBytes += 1 << UInt64(k)
        lastChunkSize = 1 << UInt64(k)
        effects.touch(base + offset, 16)
        return base + offset + 16
    }

    public mutating func calloc(_ count: UInt64, _ size: UInt64, thread: UInt32) -> UInt64 {
        let (n, o) = count.multipliedReportingOverflow(by: size)
        guard !o else { return 0 }
        let p = malloc(n, thread: thread)
        if p != 0 { effects.touch(p, n) }
        return p
    }

    public mutating func free(_ pointer: UInt64, thread: UInt32) {
        let payload = aligned.removeValue(forKey: pointer) ?? pointer
        guard payload >= base + 16, let k = used.removeValue(forKey: payload - 16 - base) else { lastPath = .none; lastChunkSize = 0; return }
        allocatedBytes -= 1 << UInt64(k)
        lastChunkSize = 1 << UInt64(k)
        lastPath = .freeList
        release(payload - 16 - base, k)
    }

    /// Puts the block of order `k` at `offset` back, merged with its free buddy (offset XOR size)
    /// as long as that is free.
    mutating func release(_ offset0: UInt64, _ k0: Int) {
        var offset = offset0, k = k0
        while k < BuddyAllocator.maxOrder {
            let buddy = offset ^ (1 << UInt64(k))
            searchSteps += 1
            guard removeFree(buddy, k) else { break }
            offset = min(offset, buddy)
            k += 1
            lastPath = .buddyMerged
        }
        insert(offset, k)
    }

    public mutating func realloc(_ payload: UInt64, _ size: UInt64, thread: UInt32) -> UInt64 {
        if payload == 0 { return malloc(size, thread: thread) }
        if size == 0 { free(payload, thread: thread); return 0 }
        if let real = aligned[payload] {
            let p = malloc(size, thread: thread)
            guard p != 0 else { return 0 }
            effects.touch(p, min(size, usableSize(real)))
            free(payload, thread: thread)
            lastPath = .reallocCopy
            return p
        }
        guard let k = used[payload - 16 - base] else { return malloc(size, thread: thread) }
        if BuddyAllocator.order(for: size) == k { lastPath = .reallocInPlace; lastChunkSize = 1 << UInt64(k); return payload }
        let p = malloc(size, thread: thread)
        guard p != 0 else { return 0 }
        let c = lastChunkSize
        effects.touch(p, min(size, (1 << UInt64(k)) - 16))
        free(payload, thread: thread)
        lastPath = .reallocCopy; lastChunkSize = c
        return p
    }

    /// memalign: a block with room for the alignment; the aligned pointer is remembered so free
    /// finds the block.
    public mutating func memalign(_ alignment: UInt64, _ size: UInt64, thread: UInt32) -> UInt64 {
        if alignment <= 16 { return malloc(size, thread: thread) }
        let p = malloc(size + alignment, thread: thread)
        guard p != 0 else { return 0 }
        let q = (p + alignment - 1) & ~(alignment - 1)
        if q != p { aligned[q] = p }
        return q
    }

    public func usableSize(_ pointer: UInt64) -> UInt64 {
        let payload = aligned[pointer] ?? pointer
        guard payload >= base + 16, let k = used[payload - 16 - base] else { return 0 }
        return (1 << UInt64(k)) - 16 - (pointer - payload)
    }

    public mutating func threadEnded(_ thread: UInt32) {}

    /// Broken invariants: free and used blocks are aligned to their size, disjoint, and tile the
    /// span; no free block has its free buddy beside it (they would have merged).
    public func invariantViolations() -> [String] {
        var v: [String] = []
        var blocks: [(UInt64, UInt64)] = used.map { ($0.key, 1 << UInt64($0.value)) }
        for k in 0...BuddyAllocator.maxOrder {
            for o in freeLists[k] {
                blocks.append((o, 1 << UInt64(k)))
                if o % (1 << UInt64(k)) != 0 { v.append("free block \(o) not aligned to order \(k)") }
                if k < BuddyAllocator.maxOrder && freeLists[k].contains(o ^ (1 << UInt64(k))) { v.append("free buddies \(o) unmerged at order \(k)") }
            }
        }
        blocks.sort { $0.0 < $1.0 }
        var at: UInt64 = 0
        for (o, s) in blocks { if o != at { v.append("gap or overlap at offset \(o)"); break }; at = o + s }
        if at != 1 << UInt64(BuddyAllocator.maxOrder) { v.append("blocks do not tile the span") }
        return v
    }
}
