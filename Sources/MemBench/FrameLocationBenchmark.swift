#if canImport(Glibc)
import Glibc
#endif
import MemModel

/// The cost of `LinuxKernel.frameLocation`, which the replay engine calls for every fault row,
/// against the answer read from a zone snapshot (`PhysicalMemory.zones`, the pageblock's zone
/// index then the snapshot's node and type), measured in the same run. Best of 3.
///
/// `lookups` pseudo-random pfns of the managed memory of an 8 GiB machine (every zone, in
/// proportion to its size) are asked for by both; the two answers must agree.
/// Returns nanoseconds per call for each.
public func frameLocationBenchmark(lookups: Int) -> (table: Double, snapshot: Double) {
    func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
    let k = LinuxKernel(configuration: MachineConfiguration.presets["small-8g"]!)
    let m = k.frames
    var managed: [(first: UInt64, count: UInt64)] = []
    var total: UInt64 = 0
    for z in m.zoneInfo where z.isManaged {
        managed.append((z.layout.startPFN + z.layout.present - z.layout.managed, z.layout.managed))
        total += z.layout.managed
    }
    var rng: UInt64 = 0x2545_F491_4F6C_DD1D
    var probes = [PageFrameNumber](repeating: PageFrameNumber(0), count: lookups)
    for i in 0..<lookups {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        var n = (rng >> 16) % total
        for r in managed { if n < r.count { probes[i] = PageFrameNumber(r.first + n); break }; n -= r.count }
    }
    /// The answer as a zone snapshot gives it.
    func fromSnapshot(_ f: PageFrameNumber) -> (node: Int, zone: ZoneType)? {
        guard f != m.zeroPage, let z = m.zoneIndex(of: f) else { return nil }
        let zone = m.zones[z]
        return (zone.node, zone.type)
    }
    var best = (table: Double.infinity, snapshot: Double.infinity)
    var sinkTable = 0, sinkSnapshot = 0
    for _ in 0..<3 {
        var t0 = now()
        for f in probes { if let l = k.frameLocation(f) { sinkTable &+= l.node &+ Int(l.zone.rawValue) } }
        best.table = min(best.table, (now() - t0) / Double(lookups) * 1e9)
        t0 = now()
        for f in probes { if let l = fromSnapshot(f) { sinkSnapshot &+= l.node &+ Int(l.zone.rawValue) } }
        best.snapshot = min(best.snapshot, (now() - t0) / Double(lookups) * 1e9)
    }
    precondition(sinkTable == sinkSnapshot, "frameLocation and the zone snapshot disagree")
    return best
}
