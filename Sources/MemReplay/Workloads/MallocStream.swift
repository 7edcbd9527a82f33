import MemTrace

/// A malloc/free stream from a size-class allocator model: common small sizes, LIFO free lists
/// per class, frees mostly of recent blocks, some calloc/realloc, addresses kept.
public struct MallocStream {
    private var rng: SplitMix64
    private var live: [(address: UInt64, size: UInt64)] = []
    private var freeLists: [[UInt64]] = Array(repeating: [], count: 12)
    private var bump: UInt64 = 0x5600_0000_0000
    private var time: UInt64 = 0
    private static let sizes: [UInt64] = [16, 24, 32, 32, 48, 64, 64, 96, 128, 256, 512, 4096]

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

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

    public mutating func next() -> TraceRecord {
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
