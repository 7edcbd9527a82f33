#if canImport(Glibc)
import Glibc
#endif
import MemModel

/// Page allocator speed: order-0 allocate+free pairs through `PhysicalMemory` (zonelist walk,
/// watermark check, per-CPU lists, buddy refill and drain) on an 8 GiB machine, against the flat
/// LIFO free list `FrameTable` measured in the same run. Best of 3.
///
/// Returns pairs per second for one page allocated and freed at a time, for bursts of 4096 pages
/// allocated then freed (per-CPU refills and drains, buddy splits and merges), and for the
/// baseline's one-at-a-time pairs.
public func buddyBenchmark(pairs: Int) -> (single: Double, burst: Double, baseline: Double) {
    func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
    var m = PhysicalMemory(configuration: PhysicalConfiguration(), memoryBytes: 8 << 30, kernelReservedBytes: 160 << 20)
    var best = (single: 0.0, burst: 0.0, baseline: 0.0)
    var sink: UInt64 = 0
    for _ in 0..<3 {
        var t0 = now()
        for _ in 0..<pairs {
            let p = m.allocate(for: .anonymous)!
            sink &+= p.rawValue
            m.release(p)
        }
        best.single = max(best.single, Double(pairs) / (now() - t0))
        var held: [PageFrameNumber] = []
        held.reserveCapacity(4096)
        t0 = now()
        var done = 0
        while done < pairs {
            for _ in 0..<4096 { held.append(m.allocate(for: .anonymous)!) }
            for p in held.reversed() { m.release(p) }
            sink &+= held[0].rawValue
            held.removeAll(keepingCapacity: true)
            done += 4096
        }
        best.burst = max(best.burst, Double(done) / (now() - t0))
        var f = FrameTable(reservedPages: 40960, totalPages: (8 << 18) - 40960)
        t0 = now()
        for _ in 0..<pairs {
            let p = f.allocate(for: .anonymous)!
            sink &+= p.rawValue
            f.release(p)
        }
        best.baseline = max(best.baseline, Double(pairs) / (now() - t0))
    }
    if sink == 42 { print("") }
    precondition(m.invariantViolations().isEmpty)
    return best
}
