import MemModel
import MemTrace

/// Workload pieces shared by `memreplay-bench` (Sources/MemBench) and the package-benchmark
/// harness (Benchmarks/), so both time the same work.
public enum BenchWorkloads {
    /// One access through the full hardware model (`seed-x86info`) with frames from a fixed
    /// synthetic mapping and, when the TLBs miss, a four-level walk through fixed table frames.
    /// - Returns: the access's latency in cycles.
    @inlinable
    public static func fullHardwareAccess(_ hw: inout MemoryHierarchy, _ a: MemoryAccess) -> UInt64 {
        let vpn = a.address.rawValue >> 12
        let frame = PageFrameNumber((vpn &* 0x9E37_79B9) & 0xF_FFFF | 0x10_0000)
        return UInt64(hw.access(a, asid: 1, frame: frame, walkIfNeeded: {
            var walk = PageWalk()
            walk.append(PageFrameNumber(0x100))
            walk.append(PageFrameNumber(0x200 | (vpn >> 27) & 0xFF))
            walk.append(PageFrameNumber(0x400 | (vpn >> 18) & 0x1FF))
            walk.append(PageFrameNumber(0x1000 | (vpn >> 9) & 0xFFF))
            return walk
        }).latency)
    }

    /// 10,000 VMAs of 1–7 pages, alternating protections so no two merge, one-page holes between
    /// them; their start addresses; and `probes` pseudo-random addresses across the whole range.
    public static func vmaLayout(probes count: Int) -> (space: AddressSpace, starts: [UInt64], probes: [UInt64]) {
        var space = AddressSpace()
        var starts: [UInt64] = []
        var addr: UInt64 = 0x1000_0000
        for i in 0..<10_000 {
            let len = UInt64(1 + i % 7) << 12
            space.insert(VirtualMemoryArea(id: VMAID(UInt32(i + 1)), start: addr, end: addr + len,
                                           prot: i % 2 == 0 ? [.read] : [.read, .write], flags: [], backing: .anonymous,
                                           offset: addr, name: ""))
            starts.append(addr)
            addr += len + 4096
        }
        precondition(space.count == 10_000)
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        var probes = [UInt64](repeating: 0, count: count)
        for i in 0..<count {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            probes[i] = 0x1000_0000 + (rng >> 20) % (addr - 0x1000_0000)
        }
        return (space, starts, probes)
    }
}
