import MemModel

/// The hardware model's outcomes counted exactly during a replay: a latency histogram per serving
/// level (`latency_histogram`) and the DRAM row-buffer outcomes per channel (`dram_summary`), which
/// answer `queries/hw-latency-percentiles.sql` and `hw-dram-row-hits.sql` from a few hundred rows
/// instead of a scan of every access.
///
/// Counts exactly the accesses that have an `hw_accesses` row (those the model handled): bucket
/// counts, not samples, so percentiles, means and totals computed from them are the per-row ones.
public struct HardwareSummary: Sendable {
    /// Latencies below this are counted in arrays, larger ones in a dictionary.
    static let denseLatencies = 1 << 16
    static let levels = MemoryLevel.allCases.count
    static let dramOutcomes = DRAMOutcome.allCases.count

    /// Per serving level, accesses by latency (index = cycles), for latencies below `denseLatencies`.
    var dense: [[Int64]] = Array(repeating: [], count: HardwareSummary.levels)
    /// Per (level, latency) for the rare latencies from `denseLatencies` on.
    var sparse: [UInt64: Int64] = [:]
    /// Per DRAM channel (index = channel · `dramOutcomes` + outcome), accesses by row-buffer outcome.
    var dram: [Int64] = Array(repeating: 0, count: 256 * HardwareSummary.dramOutcomes)
    /// Modelled accesses counted.
    public private(set) var accesses: Int64 = 0

    public init() {}

    /// Counts one access the hardware model handled (`outcome.isModelled`).
    @inline(__always)
    public mutating func add(_ outcome: HardwareOutcome) {
        accesses &+= 1
        let level = Int(outcome.servedBy.rawValue), latency = Int(outcome.latency)
        if latency < dense[level].count {
            dense[level].withUnsafeMutableBufferPointer { $0[latency] &+= 1 }
        } else {
            addSlowly(level: level, latency: latency)
        }
        if outcome.dram != .none {
            dram[Int(outcome.dramChannel) * HardwareSummary.dramOutcomes + Int(outcome.dram.rawValue)] &+= 1
        }
    }

    private mutating func addSlowly(level: Int, latency: Int) {
        if latency < HardwareSummary.denseLatencies {
            dense[level].append(contentsOf: repeatElement(0, count: max(latency + 1, 2 * dense[level].count) - dense[level].count))
            dense[level][latency] &+= 1
        } else {
            sparse[UInt64(level) << 32 | UInt64(latency), default: 0] &+= 1
        }
    }

    /// The histogram's non-empty buckets as (level, latency, accesses), by level and latency.
    public var latencyRows: [(level: UInt8, latency: UInt32, accesses: Int64)] {
        var out: [(level: UInt8, latency: UInt32, accesses: Int64)] = []
        let far = sparse.keys.sorted()
        for level in 0..<HardwareSummary.levels {
            for (latency, n) in dense[level].enumerated() where n != 0 { out.append((UInt8(level), UInt32(latency), n)) }
            for key in far where Int(key >> 32) == level {
                out.append((UInt8(level), UInt32(truncatingIfNeeded: key), sparse[key]!))
            }
        }
        return out
    }

    /// The DRAM counts as (channel, outcome, accesses) for the non-zero ones, by channel and outcome.
    public var dramRows: [(channel: UInt8, outcome: UInt8, accesses: Int64)] {
        dram.indices.filter { dram[$0] != 0 }.map {
            (UInt8($0 / HardwareSummary.dramOutcomes), UInt8($0 % HardwareSummary.dramOutcomes), dram[$0])
        }
    }

    /// Every broken rule, as sentences; empty when consistent: one histogram per level, no negative
    /// count, no large latency counted in the dictionary, the histogram adding up to the accesses,
    /// no DRAM count for the outcome "none", and the DRAM counts at most the accesses.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        if dense.count != HardwareSummary.levels { return ["\(dense.count) histograms for \(HardwareSummary.levels) levels"] }
        var total: Int64 = 0
        for (level, h) in dense.enumerated() {
            if h.contains(where: { $0 < 0 }) { problems.append("level \(level): a negative latency count") }
            if h.count > HardwareSummary.denseLatencies { problems.append("level \(level): \(h.count) dense buckets") }
            total += h.reduce(0, +)
        }
        for (key, n) in sparse {
            if Int(key & 0xFFFF_FFFF) < HardwareSummary.denseLatencies { problems.append("latency \(key & 0xFFFF_FFFF) counted sparsely") }
            if n < 1 { problems.append("latency \(key & 0xFFFF_FFFF) has \(n) accesses") }
            total += n
        }
        if total != accesses { problems.append("the histogram holds \(total) accesses, not \(accesses)") }
        if dram.count != 256 * HardwareSummary.dramOutcomes { problems.append("\(dram.count) DRAM counts") }
        if dram.contains(where: { $0 < 0 }) { problems.append("a negative DRAM count") }
        if dram.indices.contains(where: { $0 % HardwareSummary.dramOutcomes == 0 && dram[$0] != 0 }) {
            problems.append("DRAM accesses counted with outcome none")
        }
        if dram.reduce(0, +) > accesses { problems.append("more DRAM reads than modelled accesses") }
        return problems
    }
}
