#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MemBenchKit

/// Replays at growing sizes (issue 15, "Scale"): `synth locality --seed 7` traces of each size
/// replayed by the whole `memreplay replay` with every row and with `--rows` leaving out accesses
/// (their outcomes summed in `access_summary`), one after the other.
///
/// Reports per size and mode the wall time per event, the CPU seconds and the peak RSS of that
/// replay alone (`wait4`'s rusage of the child, not `RUSAGE_CHILDREN`, which keeps the largest
/// child so far), and the database's size, the median of `repeats` replays for the sizes up to
/// `repeatedUpTo`. The goals: time per event flat within 20% over the sizes (the slowest per event
/// at most 1.2× the fastest), peak RSS under 2 GiB.
public struct ScaleBenchmark {
    public var sizes = [1_000_000, 10_000_000]
    /// Also replay with every row (the database grows by ~33 bytes per access event, schema 7).
    public var allRows = true
    /// Extra `memreplay replay` arguments (for instance `--set hw.preset=seed-x86info`).
    public var replayArguments: [String] = []
    /// Replays per size and mode up to `repeatedUpTo` events; the median counts. (Not the fastest:
    /// on these VMs the same replay's CPU time varies by ±20 % with the host, both ways — 2.90 to
    /// 4.31 s of user time for five identical 10^7-event replays.) Larger sizes run once.
    public var repeats = 5
    public var repeatedUpTo = 10_000_000
    /// The `--rows` value without accesses.
    public static let withoutAccesses = "process,alloc,memory,file,control"

    public init() {}

    /// One replay's figures.
    public struct Run {
        public var events: Int
        public var rows: String
        public var wall: Double
        public var cpu: Double
        public var peakRSS: Int64
        public var databaseBytes: Int64
        public var nsPerEvent: Double { wall * 1e9 / Double(events) }
    }

    /// Synthesizes and replays every size in `directory`, deleting each trace and database after use;
    /// `report` is called with each run as it completes.
    public func run(memreplay: String, directory: String, report: (Run) -> Void) throws -> [Run] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var runs: [Run] = []
        for size in sizes {
            let trace = directory + "/locality-\(size).mrt", db = directory + "/run-\(size).db"
            _ = try CommandTimer.run(memreplay, ["synth", "locality", "--events", String(size), "--seed", "7", "-o", trace])
            for rows in (allRows ? [Self.withoutAccesses, "all"] : [Self.withoutAccesses]) {
                var all: [Run] = []
                for _ in 0..<(size <= repeatedUpTo ? max(1, repeats) : 1) {
                    try? FileManager.default.removeItem(atPath: db)
                    let r = try CommandTimer.run(memreplay, ["replay", trace, "-o", db, "--quiet", "--rows", rows] + replayArguments)
                    let bytes = ((try? FileManager.default.attributesOfItem(atPath: db)[.size]) as? NSNumber)?.int64Value ?? 0
                    let run = Run(events: size, rows: rows, wall: r.wall, cpu: r.cpu, peakRSS: r.peakRSS, databaseBytes: bytes)
                    all.append(run)
                }
                guard !all.isEmpty else { continue }
                let run = all.sorted { $0.wall < $1.wall }[all.count / 2]
                report(run)
                runs.append(run)
                try? FileManager.default.removeItem(atPath: db)
            }
            try? FileManager.default.removeItem(atPath: trace)
        }
        return runs
    }
}
