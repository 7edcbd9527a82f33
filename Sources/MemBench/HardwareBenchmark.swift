import MemTrace
import MemModel
import MemReplay
import MemBenchKit

/// Measures the hardware model's replay speed over decoded access events.
///
/// Synthesizes `events` access events (`synth locality`: loops, scans, strides, pointer chasing),
/// encodes and decodes them into memory, then times, best of three: a bare loop over the events (a checksum of their
/// addresses), the `cachegrind` preset (I1/D1/LL, virtual addresses) and the full
/// `seed-x86info` model (TLBs, paging-structure caches and walks through the data caches,
/// L1/L2/L3, DDR4 banks, NUMA), fed frames from a fixed synthetic page mapping.
/// - Returns: accesses per second of each loop, measured in the same run.
public func hardwareBenchmark(events: Int) -> (bare: Double, cachegrind: Double, full: Double) {
    var accesses: [MemoryAccess] = []
    accesses.reserveCapacity(events)
    do {
        let output = MemoryTraceOutput()
        let synth = LocalitySynthesizer(events: max(events, 1), seed: 1)
        let writer = try TraceWriter(output: output, header: synth.header)
        try synth.write(to: writer)
        try writer.close()
        var decoder = TraceStreamDecoder(source: "<hardware-bench>")
        try decoder.feed(output.bytes)
        while let r = try decoder.next() { if case .access(let a) = r.event { accesses.append(a) } }
        try decoder.finish()
    } catch {
        fatalError("hardware benchmark stream: \(error)")
    }
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
    func best(_ body: () -> UInt64) -> Double {
        var t = Double.infinity
        for _ in 0..<3 {
            var sink: UInt64 = 0
            let elapsed = ContinuousClock().measure { sink = body() }
            precondition(sink != 0)
            t = min(t, seconds(elapsed))
        }
        return Double(accesses.count) / t
    }
    let bare = best {
        var sum: UInt64 = 0
        for a in accesses { sum &+= a.address.rawValue &+ UInt64(a.size) }
        return sum
    }
    let cachegrind = best {
        var hw = MemoryHierarchy(.cachegrind)
        var sum: UInt64 = 1
        for a in accesses { sum &+= UInt64(hw.access(a, asid: 1, frame: PageFrameNumber(0), walk: .unknown).latency) }
        return sum &+ hw.counters.D1mr &+ hw.counters.Ir
    }
    let full = best {
        var config = HardwareConfiguration.seedX86info
        config.recordAccesses = true
        var hw = MemoryHierarchy(config)
        var sum: UInt64 = 1
        for a in accesses { sum &+= BenchWorkloads.fullHardwareAccess(&hw, a) }
        return sum &+ hw.counters.tlbWalks
    }
    return (bare, cachegrind, full)
}
