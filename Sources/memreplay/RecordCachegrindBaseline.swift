import Foundation
import MemTrace

/// Reads the totals of a cachegrind output file, the baseline of `memreplay record --accesses
/// lackey --compare-cachegrind`.
enum RecordCachegrindBaseline {
    /// Dr and Dw from the `events:` and `summary:` lines of a cachegrind.out file (valgrind
    /// cachegrind/cg_main.c `fprint_CC_table_and_calc_totals`; Dr counts a modify once, as lackey's
    /// M is counted here).
    static func readsAndWrites(_ path: String) throws -> (reads: UInt64, writes: UInt64) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw UsageFailure("\(path): cachegrind wrote no output (see \(path).log)")
        }
        let lines = text.split(separator: "\n")
        guard let eventsAt = lines.firstIndex(where: { $0.hasPrefix("events:") }),
              let summaryAt = lines.firstIndex(where: { $0.hasPrefix("summary:") }) else {
            throw UsageFailure("\(path): expected cachegrind's events: and summary: lines")
        }
        let names = lines[eventsAt].split(separator: " ").dropFirst().map(String.init)
        let values = lines[summaryAt].split(separator: " ").dropFirst().map { UInt64($0) }
        var table: [String: UInt64] = [:]
        for (n, v) in zip(names, values) { if let v { table[n] = v } }
        guard let dr = table["Dr"], let dw = table["Dw"] else {
            throw UsageFailure("\(path): line \(summaryAt + 1): expected Dr and Dw totals (cachegrind --cache-sim=yes)")
        }
        return (dr, dw)
    }

    /// Loads (modifies counted as one read) and stores of a merge.
    static func traceCounts(_ summary: RecordingSummary) -> (reads: UInt64, writes: UInt64) {
        func count(_ k: AccessKind) -> UInt64 { summary.kindCounts[EventKind(rawValue: EventKind.accessBase + k.rawValue)!] ?? 0 }
        return (count(.load) + count(.modify), count(.store))
    }
}
