#if canImport(Glibc)
import Glibc
#endif
import MemModel
import MemTrace
import MemBenchKit

/// Kernel-model speed for issue 5: first-touch anonymous faults and VMA lookups, each against a
/// bare loop doing the least the same work needs, measured in the same run. Best of 3.
///
/// - Faults: `pages` writes, one to each page of a private anonymous mapping (THP off), through
///   `LinuxKernel.access` (VMA lookup, access check, page-table walk and install with table pages
///   from the buddy allocator, RSS and mapcount) on an 8 GiB machine. Baseline: a frame from the
///   flat `FrameTable` stored into a flat array of PTEs, per page.
/// - VMA lookups: `lookups` random addresses (inside VMAs and in the holes between them) looked up
///   in a process with 10,000 VMAs (`AddressSpace.find`, the model's `find_vma`). Baseline: a
///   binary search over a plain sorted array of the same start addresses.
public func virtualMemoryBenchmark(pages: Int, lookups: Int)
    -> (faults: Double, faultBaseline: Double, lookups: Double, lookupBaseline: Double) {
    func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
    let pid = ProcessID(1)
    var best = (faults: 0.0, faultBaseline: 0.0, lookups: 0.0, lookupBaseline: 0.0)
    var sink: UInt64 = 0
    for _ in 0..<3 {
        var k = LinuxKernel(configuration: MachineConfiguration.presets["small-8g"]!)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(1), image: "/bench")
        let length = UInt64(pages) << 12
        let base = UInt64(k.memory(MemoryCall(op: .mmap, length: length, prot: [.read, .write],
                                              flags: MapFlags([.private, .anonymous]).rawValue), pid: pid, name: "").result)
        _ = k.takeChanges()
        var t0 = now()
        for i in 0..<UInt64(pages) {
            let t = k.access(MemoryAccess(kind: .store, address: VirtualAddress(base + i << 12), size: 8), pid: pid)
            sink &+= t.frame.rawValue
        }
        best.faults = max(best.faults, Double(pages) / (now() - t0))
        precondition(k.stats.pgfault == UInt64(pages), "expected one fault per page")
        var table = FrameTable(reservedPages: 40960, totalPages: (8 << 18) - 40960)
        var ptes = [UInt64](repeating: 0, count: pages)
        t0 = now()
        for i in 0..<pages {
            let f = table.allocate(for: .anonymous)!
            ptes[i] = f.rawValue << 12 | 0x67
        }
        best.faultBaseline = max(best.faultBaseline, Double(pages) / (now() - t0))
        sink &+= ptes[pages / 2]

        // 10,000 VMAs: alternating protections so no two merge, one-page holes between them.
        let (space, starts, probes) = BenchWorkloads.vmaLayout(probes: lookups)
        t0 = now()
        var hits = 0
        for a in probes { if let i = space.find(a) { hits &+= i } }
        best.lookups = max(best.lookups, Double(lookups) / (now() - t0))
        t0 = now()
        var baseHits = 0
        for a in probes {
            var lo = 0, hi = starts.count
            while lo < hi { let mid = (lo + hi) >> 1; if starts[mid] <= a { lo = mid + 1 } else { hi = mid } }
            baseHits &+= lo
        }
        best.lookupBaseline = max(best.lookupBaseline, Double(lookups) / (now() - t0))
        sink &+= UInt64(hits &+ baseHits)
    }
    if sink == 42 { print("") }
    return best
}
