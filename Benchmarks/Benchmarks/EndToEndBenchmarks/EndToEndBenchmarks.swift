// memreplay's end-to-end benchmarks in the package-benchmark harness: the whole commands the user
// waits for, spawned from the release build (`swift build -c release --product memreplay` first;
// MEMREPLAY=path overrides). The harness measures this process; the child's CPU and peak resident
// set are custom metrics from `wait4` (CommandTimer).
#if canImport(Glibc)
import Glibc
#endif
import Benchmark
import Foundation
import MemBenchKit

/// The checkout's root: four levels above this file (Benchmarks/Benchmarks/EndToEndBenchmarks/).
let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
let memreplay = ProcessInfo.processInfo.environment["MEMREPLAY"] ?? checkout + "/.build/release/memreplay"
/// Scratch files of this run: traces, databases.
let scratch = "/tmp/memreplay-harness-\(getpid())"

let childCPU = BenchmarkMetric.custom("child CPU (ms)")
let childRSS = BenchmarkMetric.custom("child peak RSS (MiB)")

/// Relative p50 +25% / p99 +50% on time, +10% on the child's memory: this shared VM's runs of one
/// build differ by 10–20% at p50 and more at the tail.
let endToEndThresholds: [BenchmarkMetric: BenchmarkThresholds] = [
    .wallClock: .init(relative: [.p50: 25.0, .p99: 50.0]),
    childCPU: .init(relative: [.p50: 25.0, .p99: 50.0]),
    childRSS: .init(relative: [.p50: 10.0]),
]

func endToEnd(iterations: Int, seconds: Int = 60) -> Benchmark.Configuration {
    .init(metrics: [.wallClock, .throughput, childCPU, childRSS], warmupIterations: 0, scalingFactor: .one,
          maxDuration: .seconds(seconds), maxIterations: iterations, thresholds: endToEndThresholds)
}

/// Runs `memreplay arguments` once and records the child's CPU and peak RSS.
func timed(_ benchmark: Benchmark, _ arguments: [String], stdout: String? = nil) {
    do {
        let m = try CommandTimer.run(memreplay, arguments, stdout: stdout)
        benchmark.measurement(childCPU, Int(m.cpu * 1000))
        benchmark.measurement(childRSS, Int(m.peakRSS >> 20))
    } catch {
        benchmark.error("\(error)")
    }
}

let benchmarks: @Sendable () -> Void = {
    // The whole `memreplay replay` of a 1 M-event `synth locality --seed 7` trace, without and with
    // the full hardware model (memreplay-bench replay's workload at half its size).
    let replayEvents = 1_000_000
    let trace = scratch + "/locality-1m.mrt"
    let synthesizeTrace: () throws -> Void = {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: trace) {
            _ = try CommandTimer.run(memreplay, ["synth", "locality", "--events", String(replayEvents), "--seed", "7", "-o", trace])
        }
    }
    Benchmark("replay locality 1M", configuration: endToEnd(iterations: 5)) { benchmark in
        timed(benchmark, ["replay", trace, "-o", scratch + "/plain.db", "--quiet"])
    } setup: {
        try synthesizeTrace()
    }
    Benchmark("replay locality 1M seed-x86info", configuration: endToEnd(iterations: 5)) { benchmark in
        timed(benchmark, ["replay", trace, "-o", scratch + "/hw.db", "--quiet", "--set", "hw.preset=seed-x86info"])
    } setup: {
        try synthesizeTrace()
    }

    // `memreplay synth redis`: 100,000 keys preloaded, 200,000 commands, a BGSAVE (about 1.1 M events).
    Benchmark("synth redis", configuration: endToEnd(iterations: 5)) { benchmark in
        timed(benchmark, ["synth", "redis", "--keys", "100000", "--ops", "200000", "--bgsave-after-load",
                          "-o", scratch + "/redis.mrt"])
    } setup: {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    // Every queries/*.sql through the whole `memreplay query` on its run of 10^7 events
    // (QueriesBenchmark: MEMREPLAY_QUERIES_EVENTS overrides the size). The runs are replayed once into
    // MEMREPLAY_QUERIES_DIR (default Benchmarks/.build/queries-data) and reused while the binary is the same.
    var queries = QueriesBenchmark()
    if let n = ProcessInfo.processInfo.environment["MEMREPLAY_QUERIES_EVENTS"].flatMap({ Int($0) }) { queries.events = n }
    let data = ProcessInfo.processInfo.environment["MEMREPLAY_QUERIES_DIR"] ?? checkout + "/Benchmarks/.build/queries-data"
    var databases: [String: String] = [:]
    let prepare: () throws -> Void = {
        if databases.isEmpty { databases = try queries.prepare(memreplay: memreplay, directory: data) }
    }
    let files = (try? QueriesBenchmark.queryFiles(in: checkout + "/queries")) ?? []
    for file in files {
        guard let run = QueriesBenchmark.run(for: file) else {
            fatalError("queries/\(file): no run assigned in QueriesBenchmark.assignments (Sources/MemBenchKit)")
        }
        Benchmark("query \(file.dropLast(4))", configuration: endToEnd(iterations: 3, seconds: 30)) { benchmark in
            timed(benchmark, ["query", databases[run]!, checkout + "/queries/" + file, "--format", "csv"],
                  stdout: scratch + "/query.csv")
        } setup: {
            try prepare()
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        }
    }

    Benchmark.teardown = { try? FileManager.default.removeItem(atPath: scratch) }
}
