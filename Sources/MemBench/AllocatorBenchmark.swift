#if canImport(Glibc)
import Glibc
#endif
import MemModel

/// Measures the allocator models' speed on one malloc/free stream built in memory.
///
/// The stream is a program-like churn: a live set of 4096 slots, each step freeing the block in
/// a random slot (if any) and allocating a new one there — mostly small sizes (16–256 bytes),
/// some up to 4 KiB, one in 512 of 64–512 KiB (mmap and trimming). Each model runs it directly
/// (no trace decoding, no kernel), best of three in process CPU time; the same run times a
/// baseline: the same stream with a bump pointer and a per-slot array (the loop's own cost).
/// - Returns: malloc/free operations per second for ptmalloc, jemalloc-like and segregated fits,
///   and the baseline.
public func allocatorBenchmark(operations: Int) -> (ptmalloc: Double, jemalloc: Double, segregated: Double, baseline: Double) {
    let ops = max(operations, 2)
    var sizes = [UInt32](repeating: 0, count: ops / 2)
    var slots = [UInt16](repeating: 0, count: ops / 2)
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in sizes.indices {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        let r = x >> 33
        let size: UInt64
        if r % 512 == 0 { size = 65536 + (r >> 9) % (448 << 10) }
        else if r % 8 == 0 { size = 16 + (r >> 3) % 4080 }
        else { size = 16 + (r >> 3) % 240 }
        sizes[i] = UInt32(size)
        slots[i] = UInt16((x >> 17) & 4095)
    }

    // Process CPU time, not wall time: the machines are shared and their load swings.
    func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
    func time(_ body: () -> UInt64) -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
            let start = cpuSeconds()
            let sink = body()
            precondition(sink != 0)
            best = min(best, cpuSeconds() - start)
        }
        return Double(sizes.count * 2) / best
    }

    func run<A: HeapAllocator>(_ make: () -> A) -> Double {
        time {
            var a = make()
            var live = [UInt64](repeating: 0, count: 4096)
            var sum: UInt64 = 0
            for i in sizes.indices {
                let s = Int(slots[i])
                if live[s] != 0 { a.free(live[s], thread: 1) }
                let p = a.malloc(UInt64(sizes[i]), thread: 1)
                live[s] = p
                sum &+= p
                if a.effects.syscalls.count > 64 { a.effects.drain() }
            }
            return sum
        }
    }

    let baseline = time {
        var live = [UInt64](repeating: 0, count: 4096)
        var top: UInt64 = 0x1000
        var sum: UInt64 = 0
        for i in sizes.indices {
            let s = Int(slots[i])
            if live[s] != 0 { sum &+= live[s] & 1 }
            live[s] = top; top &+= UInt64(sizes[i] + 16) & ~15
            sum &+= live[s]
        }
        return sum
    }
    return (run { Ptmalloc() }, run { JemallocModel() }, run { FitAllocator(list: .segregated, fit: .first) }, baseline)
}
