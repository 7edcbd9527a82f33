#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MemStore

/// End-to-end replay speed (issue 15): the whole `memreplay replay` command — decode, models,
/// SQLite store — over a synthesized access trace, with and without the full hardware model
/// (`hw.preset=seed-x86info`: the access rows carry its outcome columns), best of `rounds` each,
/// interleaved; and the database's bytes per access event (file size over `accesses` rows). Each
/// round also replays with `MEMREPLAY_DIRECT_WRITE=0` (the `accesses` rows through SQL, as before
/// the direct B-tree writer): the baseline of the same run.
///
/// Reports wall-clock events/s (what the user waits for) and the CPU seconds the command used
/// (user + system, from `getrusage(RUSAGE_CHILDREN)`): CPU above wall time is the models and the
/// SQLite writer running on two cores at once.
public struct ReplayBenchmark {
    public var events = 2_000_000
    public var rounds = 3

    public init() {}

    public struct Result {
        public var events: UInt64
        /// Best wall seconds and the CPU seconds of that run, without and with the hardware model.
        public var plain: (wall: Double, cpu: Double), hardware: (wall: Double, cpu: Double)
        /// The same with the `accesses` rows written through SQL (`MEMREPLAY_DIRECT_WRITE=0`).
        public var sqlPlain = (wall: Double.infinity, cpu: 0.0), sqlHardware = (wall: Double.infinity, cpu: 0.0)
        /// Database file bytes over access events, without and with the hardware model.
        public var plainBytesPerAccess = 0.0, hardwareBytesPerAccess = 0.0
        public var plainRate: Double { Double(events) / plain.wall }
        public var hardwareRate: Double { Double(events) / hardware.wall }
    }

    /// Runs `memreplay` with `arguments`; returns wall and CPU seconds.
    func run(_ memreplay: String, _ arguments: [String], sql: Bool = false) throws -> (wall: Double, cpu: Double) {
        var before = rusage(); getrusage(RUSAGE_CHILDREN.rawValue, &before)
        var t0 = timespec(); clock_gettime(CLOCK_MONOTONIC, &t0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: memreplay)
        p.arguments = arguments
        if sql { p.environment = ProcessInfo.processInfo.environment.merging(["MEMREPLAY_DIRECT_WRITE": "0"]) { $1 } }
        try p.run()
        p.waitUntilExit()
        var t1 = timespec(); clock_gettime(CLOCK_MONOTONIC, &t1)
        var after = rusage(); getrusage(RUSAGE_CHILDREN.rawValue, &after)
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "memreplay-bench", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "memreplay \(arguments.first ?? "") exited with \(p.terminationStatus)"])
        }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let cpu = seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_stime)
        return (Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) / 1e9, cpu)
    }

    /// Synthesizes the trace into `directory` (`memreplay synth locality --seed 7`) and replays it.
    public func run(memreplay: String, directory: String) throws -> Result {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let trace = directory + "/locality.mrt", db = directory + "/run.db"
        _ = try run(memreplay, ["synth", "locality", "--events", String(events), "--seed", "7", "-o", trace])
        var best = (plain: (wall: Double.infinity, cpu: 0.0), hardware: (wall: Double.infinity, cpu: 0.0))
        var bytes = (plain: 0.0, hardware: 0.0)
        var sql = (plain: (wall: Double.infinity, cpu: 0.0), hardware: (wall: Double.infinity, cpu: 0.0))
        for _ in 0..<rounds {
            let sp = try run(memreplay, ["replay", trace, "-o", db, "--quiet"], sql: true)
            if sp.wall < sql.plain.wall { sql.plain = sp }
            let sh = try run(memreplay, ["replay", trace, "-o", db, "--quiet", "--set", "hw.preset=seed-x86info"], sql: true)
            if sh.wall < sql.hardware.wall { sql.hardware = sh }
            let p = try run(memreplay, ["replay", trace, "-o", db, "--quiet"])
            if p.wall < best.plain.wall { best.plain = p }
            bytes.plain = try bytesPerAccess(db)
            let h = try run(memreplay, ["replay", trace, "-o", db, "--quiet", "--set", "hw.preset=seed-x86info"])
            if h.wall < best.hardware.wall { best.hardware = h }
            bytes.hardware = try bytesPerAccess(db)
        }
        let total = PressureBenchmark().counters(db, ["events.total"])["events.total"] ?? Double(events)
        var result = Result(events: UInt64(total), plain: best.plain, hardware: best.hardware)
        result.plainBytesPerAccess = bytes.plain
        result.hardwareBytesPerAccess = bytes.hardware
        result.sqlPlain = sql.plain
        result.sqlHardware = sql.hardware
        return result
    }

    /// The database's size in bytes over its `accesses` rows.
    func bytesPerAccess(_ db: String) throws -> Double {
        let size = (try FileManager.default.attributesOfItem(atPath: db)[.size] as? NSNumber)?.doubleValue ?? 0
        let rows = try QueryRunner.execute(database: db, sql: "SELECT count(*) FROM accesses").first?.rows.first?.first
        guard case .integer(let n)? = rows, n > 0 else { return 0 }
        return size / Double(n)
    }
}
