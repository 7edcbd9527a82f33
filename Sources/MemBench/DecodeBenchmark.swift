import MemTrace

/// Measures `.mrt` decoding speed and encoded size on synthetic streams built in memory.
///
/// Builds an access stream of `events` events with realistic locality (a loop of instruction
/// fetches around sequential scans, fixed strides, stack traffic and pointer chasing over a
/// 4096-node pool revisited in the same order) and a malloc/free stream of `events / 4` events,
/// encodes both with `TraceWriter` into a `MemoryTraceOutput`, and times a full decode of the
/// access stream with `TraceStreamDecoder` (best of three runs).
/// - Returns: decoded access events per second, and compressed bytes per event of each stream
///   (block headers included, file header excluded).
public func decodeBenchmark(events: Int) -> (eventsPerSecond: Double, bytesPerAccessEvent: Double,
                                             bytesPerAllocEvent: Double) {
    let events = max(events, 1)
    let header = TraceHeader(producer: "memreplay-bench", producerVersion: "1", commandLine: ["decode-benchmark"])
    var access = BenchLocalityStream(seed: 1)
    let accessBytes = benchEncode(header: header, count: events) { access.next() }
    var malloc = BenchMallocStream(seed: 2)
    let allocCount = max(events / 4, 1)
    let allocBytes = benchEncode(header: header, count: allocCount) { malloc.next() }

    var best = Double.infinity
    for _ in 0..<3 {
        let clock = ContinuousClock()
        var decoded = 0
        var checksum: UInt64 = 0
        let elapsed = clock.measure {
            var decoder = TraceStreamDecoder(source: "<bench>")
            do {
                try decoder.feed(accessBytes.bytes)
                while let record = try decoder.next() {
                    decoded += 1
                    if case .access(let a) = record.event { checksum &+= a.address.rawValue }
                }
                try decoder.finish()
            } catch {
                fatalError("benchmark stream failed to decode: \(error)")
            }
        }
        precondition(decoded == events && checksum != 0, "benchmark decoded \(decoded) of \(events) events")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = min(best, seconds)
    }
    return (Double(events) / best,
            Double(accessBytes.blockBytes) / Double(events),
            Double(allocBytes.blockBytes) / Double(allocCount))
}

/// Encodes `count` records into memory; returns the file bytes and the bytes after the file header.
private func benchEncode(header: TraceHeader, count: Int, _ next: () -> TraceRecord)
    -> (bytes: [UInt8], blockBytes: Int)
{
    let output = MemoryTraceOutput()
    do {
        let headerOnly = MemoryTraceOutput()
        try TraceWriter(output: headerOnly, header: header).close()
        let writer = try TraceWriter(output: output, header: header)
        for _ in 0..<count { try writer.append(next()) }
        try writer.close()
        return (output.bytes, output.bytes.count - headerOnly.bytes.count)
    } catch {
        fatalError("benchmark stream failed to encode: \(error)")
    }
}

/// SplitMix64: a small seeded generator for reproducible streams.
private struct BenchRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Access stream with program-like locality (see `decodeBenchmark`).
private struct BenchLocalityStream {
    private var rng: BenchRandom
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
        rng = BenchRandom(state: seed)
        var order = Array(0..<4096)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
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

    private mutating func fetch(_ pc: UInt64, _ offsets: [(UInt64, UInt32)]) {
        for (o, size) in offsets {
            pending.append(MemoryAccess(kind: .instruction, address: VirtualAddress(pc + o), size: size))
        }
    }

    private mutating func refill() {
        pending.removeAll(keepingCapacity: true)
        pendingIndex = 0
        if rng.next() % 2000 == 0 { phase = Int(rng.next() % 4) }
        let pc: UInt64 = 0x40_1000 + UInt64(phase) * 0x200
        switch phase {
        case 0:
            fetch(pc, [(0, 4), (4, 3), (7, 4), (11, 2)])
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(0x6000_0000 + scanIndex * 8), size: 8))
            scanIndex += 1
        case 1:
            fetch(pc, [(0, 5), (5, 4), (9, 3), (12, 2)])
            pending.append(MemoryAccess(kind: .modify, address: VirtualAddress(0x7000_0000 + strideIndex * 64), size: 4))
            pending.append(MemoryAccess(kind: .store, address: VirtualAddress(0x9000_0000 + strideIndex * 4096), size: 8))
            strideIndex += 1
        case 2:
            fetch(pc, [(0, 4), (4, 4), (8, 3), (11, 2)])
            let node = chain[chainIndex]
            chainIndex = (chainIndex + 1) % chain.count
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(node), size: 8))
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(node + 8), size: 8))
        default:
            fetch(pc, [(0, 1), (1, 3), (4, 4), (8, 5), (13, 1)])
            let sp: UInt64 = 0x7ffd_0000_0000 - (rng.next() % 4) * 64
            pending.append(MemoryAccess(kind: .store, address: VirtualAddress(sp - 8), size: 8))
            pending.append(MemoryAccess(kind: .store, address: VirtualAddress(sp - 16), size: 8))
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(sp - 16), size: 8))
            pending.append(MemoryAccess(kind: .load, address: VirtualAddress(sp - 8), size: 8))
        }
    }
}

/// malloc/free stream from a size-class allocator model (LIFO free lists, mostly recent frees).
private struct BenchMallocStream {
    private var rng: BenchRandom
    private var live: [(address: UInt64, size: UInt64)] = []
    private var freeLists: [[UInt64]] = Array(repeating: [], count: 12)
    private var bump: UInt64 = 0x5600_0000_0000
    private var time: UInt64 = 0
    private static let sizes: [UInt64] = [16, 24, 32, 32, 48, 64, 64, 96, 128, 256, 512, 4096]

    init(seed: UInt64) { rng = BenchRandom(state: seed) }

    private static func sizeClass(_ size: UInt64) -> Int {
        var c = 0
        while c < 11 && (UInt64(16) << c) < size { c += 1 }
        return c
    }

    private mutating func allocate(_ size: UInt64) -> UInt64 {
        let c = BenchMallocStream.sizeClass(size)
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
            freeLists[BenchMallocStream.sizeClass(block.size)].append(block.address)
            call = AllocationCall(op: .free, pointer: VirtualAddress(block.address))
        } else if r < 96 || live.isEmpty {
            let size = BenchMallocStream.sizes[Int(rng.next() % UInt64(BenchMallocStream.sizes.count))]
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
            freeLists[BenchMallocStream.sizeClass(old.size)].append(old.address)
            live[i] = (address, size)
            call = AllocationCall(op: .realloc, pointer: VirtualAddress(old.address), size: size,
                                  result: VirtualAddress(address))
        }
        return TraceRecord(time: time, pid: ProcessID(200), tid: ThreadID(201), event: .alloc(call))
    }
}
