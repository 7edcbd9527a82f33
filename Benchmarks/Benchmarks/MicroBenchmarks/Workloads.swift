// The inputs of the micro benchmarks, built in their setup (not measured).
import MemModel
import MemReplay
import MemTrace

/// `count` access events of `LocalityStream(seed: 1)`, encoded and decoded as a replay sees them.
func decodedAccesses(_ count: Int) -> [MemoryAccess] {
    let output = MemoryTraceOutput()
    var accesses: [MemoryAccess] = []
    accesses.reserveCapacity(count)
    do {
        let writer = try TraceWriter(output: output, header: TraceHeader(producer: "memreplay-benchmarks", producerVersion: "1",
                                                                     commandLine: ["accesses"]))
        var stream = LocalityStream(seed: 1)
        for _ in 0..<count { try writer.append(stream.next()) }
        try writer.close()
        var decoder = TraceStreamDecoder(source: "<harness>")
        try decoder.feed(output.bytes)
        while let r = try decoder.next() { if case .access(let a) = r.event { accesses.append(a) } }
    } catch {
        fatalError("benchmark accesses: \(error)")
    }
    return accesses
}

/// memreplay-bench's malloc/free mix: mostly 16–256 bytes, 1/8 up to 4 KiB, 1/512 64 KiB–512 KiB,
/// each into one of 4,096 slots (freeing what the slot held).
func churnSizes(_ count: Int) -> (sizes: [UInt32], slots: [UInt16]) {
    var sizes = [UInt32](repeating: 0, count: count), slots = [UInt16](repeating: 0, count: count)
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in 0..<count {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        let r = x >> 33
        let size = r % 512 == 0 ? 65536 + (r >> 9) % (448 << 10) : r % 8 == 0 ? 16 + (r >> 3) % 4080 : 16 + (r >> 3) % 240
        sizes[i] = UInt32(size)
        slots[i] = UInt16((x >> 17) & 4095)
    }
    return (sizes, slots)
}

/// The i-th access outcome of the store benchmark (memreplay-bench's `benchmarkValues`).
func storeOutcome(_ i: Int) -> Outcome {
    let n = UInt64(i)
    let page = (n &* 2654435761) & 0xffff
    let address = 0x7f00_0000_0000 + (page << 12) + (n & 0xff) * 8
    return Outcome(
        seq: n + 1,
        record: TraceRecord(time: n &* 10, pid: ProcessID(1000), tid: ThreadID(1000),
                            event: .access(MemoryAccess(kind: AccessKind(rawValue: UInt8(n & 1))!,
                                                        address: VirtualAddress(address), size: 8))),
        detail: .access(Translation(fault: (n & 63) == 0 ? .anonNew : .none, frame: PageFrameNumber(0x1000 + page),
                                    vma: VMAID(UInt32(1 + (page & 7)))), hardware: .none))
}
