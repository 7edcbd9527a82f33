// memreplay-bench: speed and size figures for the README, each measured in this run.
//
// Usage: memreplay-bench [decode-events] [store-rows] | store [rows] | hardware [accesses] | vm | pressure | symbols [file] [count]
//        | replay [events] | encode [events]
//        | scale [events…] [--summary-only] [--hw] [--repeat N] | queries [events] [--dir DIR] [--queries DIR] [--rounds N]
// Speed goals are judged by ratios against baselines measured in the same run (the machines are
// shared and noisy); absolute rates are printed alongside for context.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MemBenchKit

let args = CommandLine.arguments
let decodeEvents = args.count > 1 ? Int(args[1]) ?? 10_000_000 : 10_000_000
let storeRows = args.count > 2 ? Int(args[2]) ?? 2_000_000 : 2_000_000

func million(_ v: Double) -> String {
    let s = String(Int((v / 1e4).rounded()))
    let padded = s.count < 3 ? String(repeating: "0", count: 3 - s.count) + s : s
    return String(padded.dropLast(2)) + "." + String(padded.suffix(2)) + " M"
}
func fixed(_ v: Double, _ digits: Int) -> String {
    var p = 1.0; for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    return String(r)
}

/// `memreplay-bench vm`: only the kernel-model figures.
func runVirtualMemory() {
    let vm = virtualMemoryBenchmark(pages: 1 << 18, lookups: 10_000_000)
    print("kernel model (best of 3; baselines: flat frame table + PTE array; binary search over a sorted array; a zone snapshot):")
    print("  first-touch anon faults: \(million(vm.faults)) faults/s = \(fixed(vm.faults / vm.faultBaseline, 3)) of the baseline  (goal ≥ 5 M/s)  \(vm.faults >= 5e6 ? "PASS" : "FAIL")")
    print("  baseline frame+PTE:      \(million(vm.faultBaseline)) pages/s")
    print("  VMA lookups (10k VMAs):  \(million(vm.lookups)) lookups/s = \(fixed(vm.lookups / vm.lookupBaseline, 3)) of the baseline  (goal ≥ 20 M/s)  \(vm.lookups >= 20e6 ? "PASS" : "FAIL")")
    print("  baseline binary search:  \(million(vm.lookupBaseline)) lookups/s")
    let loc = frameLocationBenchmark(lookups: 1_000_000)
    print("  frameLocation (per fault row): \(fixed(loc.table, 1)) ns/call = \(fixed(loc.snapshot / loc.table, 1))× the zone-snapshot answer (\(fixed(loc.snapshot, 1)) ns/call)")
}
/// `memreplay-bench pressure`: the whole `memreplay replay` on a machine half the trace's need
/// (with swap) against the same trace on a machine large enough.
func runPressure() {
    let exe = CommandLine.arguments[0]
    let dir = exe.contains("/") ? String(exe[..<exe.lastIndex(of: "/")!]) : "."
    let memreplay = dir + "/memreplay"
    let bench = PressureBenchmark()
    do {
        let r = try bench.run(memreplay: memreplay, directory: "/tmp/memreplay-bench-pressure-\(getpid())")
        print("memory pressure (whole `memreplay replay`, \(r.events) events: 2× RAM anonymous written and read back, a 2× RAM file read twice; best of \(bench.rounds), interleaved):")
        print("  256 MiB + 1 GiB swap:   \(million(r.pressuredRate)) events/s (\(fixed(r.pressured, 2)) s)")
        print("  2 GiB (no reclaim):     \(million(r.roomyRate)) events/s (\(fixed(r.roomy, 2)) s)")
        print("  ratio pressured / roomy: \(fixed(r.ratio, 3))               (goal ≥ 0.5)  \(r.ratio >= 0.5 ? "PASS" : "FAIL")")
        let c = r.pressuredCounters, l = r.roomyCounters
        let shown = PressureBenchmark.reported.map { "\($0.split(separator: ".").last!) \(Int(c[$0] ?? 0))/\(Int(l[$0] ?? 0))" }
        print("  small/large: " + shown.joined(separator: ", "))
        try? FileManager.default.removeItem(atPath: "/tmp/memreplay-bench-pressure-\(getpid())")
    } catch {
        print("memory pressure: \(error)")
    }
}
/// `memreplay-bench replay [events]`: the whole `memreplay replay` over an access trace.
func runReplay(events: Int) {
    let exe = CommandLine.arguments[0]
    let dir = exe.contains("/") ? String(exe[..<exe.lastIndex(of: "/")!]) : "."
    var bench = ReplayBenchmark()
    bench.events = events
    let work = "/tmp/memreplay-bench-replay-\(getpid())"
    do {
        let r = try bench.run(memreplay: dir + "/memreplay", directory: work)
        print("end-to-end replay (whole `memreplay replay`, \(r.events) events of `synth locality --seed 7`, best of \(bench.rounds), interleaved):")
        print("  without hardware model: \(million(r.plainRate)) events/s (\(fixed(r.plain.wall, 2)) s wall, \(fixed(r.plain.cpu, 2)) s CPU)  (goal ≥ 2.0 M/s)  \(r.plainRate >= 2e6 ? "PASS" : "FAIL")")
        print("  with seed-x86info:      \(million(r.hardwareRate)) events/s (\(fixed(r.hardware.wall, 2)) s wall, \(fixed(r.hardware.cpu, 2)) s CPU)  (goal ≥ 1.0 M/s)  \(r.hardwareRate >= 1e6 ? "PASS" : "FAIL")")
        print("  baseline, accesses through SQL (MEMREPLAY_DIRECT_WRITE=0): \(million(Double(r.events) / r.sqlPlain.wall)) events/s without (\(fixed(r.sqlPlain.wall, 2)) s wall, \(fixed(r.sqlPlain.cpu, 2)) s CPU), \(million(Double(r.events) / r.sqlHardware.wall)) events/s with seed-x86info (\(fixed(r.sqlHardware.wall, 2)) s wall, \(fixed(r.sqlHardware.cpu, 2)) s CPU)")
        print("  direct / SQL wall time: \(fixed(r.plain.wall / r.sqlPlain.wall, 2)) without, \(fixed(r.hardware.wall / r.sqlHardware.wall, 2)) with seed-x86info")
        print("  database, without hardware model: \(fixed(r.plainBytesPerAccess, 1)) bytes per access event  (goal ≤ 40)  \(r.plainBytesPerAccess <= 40 ? "PASS" : "FAIL")")
        print("  database, with seed-x86info:      \(fixed(r.hardwareBytesPerAccess, 1)) bytes per access event  (goal ≤ 40)  \(r.hardwareBytesPerAccess <= 40 ? "PASS" : "FAIL")")
    } catch {
        print("end-to-end replay: \(error)")
    }
    try? FileManager.default.removeItem(atPath: work)
}
/// `memreplay-bench store [rows]`: the store's insert rate against a bare C-API loop.
func runStore(rows: Int) {
    let s = storeBenchmark(rows: rows)
    let ratio = s.storeRowsPerSecond / s.bareRowsPerSecond
    print("store insert (\(rows) access outcomes = \(rows) rows, one per event):")
    print("  SQLiteStore:            \(million(s.storeRowsPerSecond)) rows/s (writer thread, accesses as B-tree pages)")
    print("  same, caller's thread:  \(million(s.callerThreadRowsPerSecond)) rows/s = \(fixed(s.callerThreadRowsPerSecond / s.bareRowsPerSecond, 2)) of the bare loop")
    print("  same, through SQL:      \(million(s.sqlStoreRowsPerSecond)) rows/s = \(fixed(s.sqlStoreRowsPerSecond / s.bareRowsPerSecond, 2)) of the bare loop (writer thread, multi-row INSERTs)")
    print("  bare C-API loop:        \(million(s.bareRowsPerSecond)) rows/s (one INSERT per row)")
    print("  ratio store / bare:     \(fixed(ratio, 2))               (goal ≥ 0.9)  \(ratio >= 0.9 ? "PASS" : "FAIL")")
}
/// `memreplay-bench encode [events]`: the trace encoder against a bare varint loop.
func runEncode(events: Int) {
    var bench = EncodeBenchmark()
    bench.events = events
    do {
        let r = try bench.run()
        print("trace encode (\(r.events) events built beforehand: 3/4 accesses with locality, 1/4 malloc/free; best of 3; baseline: a bare loop storing each event's time delta and address as varints):")
        print("  bare varint loop:       \(million(r.bare)) events/s")
        print("  encoder alone (raw):    \(million(r.encoder)) events/s = \(fixed(r.encoder / r.bare, 3)) of the baseline  (\(fixed(r.rawBytesPerEvent, 2)) raw bytes/event)")
        print("  TraceWriter, background, level 6: \(million(r.writerLevel6)) events/s = \(fixed(r.writerLevel6 / r.bare, 3)) of the baseline  (goal ≥ 10 M/s)  \(r.writerLevel6 >= 10e6 ? "PASS" : "FAIL")  (\(fixed(r.bytesPerEvent, 3)) bytes/event)")
        print("  TraceWriter, background, level 3: \(million(r.writerLevel3)) events/s")
        print("  TraceWriter, caller's thread, level 6: \(million(r.writerInline)) events/s")
    } catch {
        print("trace encode: \(error)")
    }
}
if args.count > 1 && args[1] == "encode" { runEncode(events: args.count > 2 ? Int(args[2]) ?? 5_000_000 : 5_000_000); exit(0) }
/// `memreplay-bench scale [events…] [--summary-only] [--hw] [--repeat N]`: replays at growing sizes
/// (`ScaleBenchmark`; the median of N replays, default 5, for sizes up to 10^7).
func runScale(_ words: [String]) {
    let exe = CommandLine.arguments[0]
    let dir = exe.contains("/") ? String(exe[..<exe.lastIndex(of: "/")!]) : "."
    var bench = ScaleBenchmark()
    let sizes = words.enumerated().compactMap { i, w in i > 0 && words[i - 1] == "--repeat" ? nil : Int(w) }
    if !sizes.isEmpty { bench.sizes = sizes }
    bench.allRows = !words.contains("--summary-only")
    if words.contains("--hw") { bench.replayArguments = ["--set", "hw.preset=seed-x86info"] }
    if let i = words.firstIndex(of: "--repeat"), i + 1 < words.count, let n = Int(words[i + 1]) { bench.repeats = n }
    let work = "/tmp/memreplay-bench-scale-\(getpid())"
    print("replay at scale (whole `memreplay replay` of `synth locality --seed 7`\(bench.replayArguments.isEmpty ? "" : ", seed-x86info"); wall time per event, CPU, the child's peak RSS, database size):")
    do {
        let runs = try bench.run(memreplay: dir + "/memreplay", directory: work) { r in
            let rows = r.rows == "all" ? "all rows       " : "--rows no access"
            print("  \(r.events) events, \(rows): \(fixed(r.nsPerEvent, 0)) ns/event (\(fixed(r.wall, 1)) s wall, \(fixed(r.cpu, 1)) s CPU), peak RSS \(r.peakRSS >> 20) MiB, database \(r.databaseBytes >> 20) MiB  \(r.peakRSS < 2 << 30 ? "PASS" : "FAIL") (< 2 GiB)")
            fflush(nil)
        }
        for rows in Set(runs.map(\.rows)).sorted() {
            let sized = runs.filter { $0.rows == rows }.sorted { $0.events < $1.events }
            guard let first = sized.first, let last = sized.last, sized.count > 1 else { continue }
            let slowest = sized.max { $0.nsPerEvent < $1.nsPerEvent }!, fastest = sized.min { $0.nsPerEvent < $1.nsPerEvent }!
            let ratio = slowest.nsPerEvent / fastest.nsPerEvent
            print("  \(rows == "all" ? "all rows" : "--rows no access"): time per event from \(first.events) to \(last.events) events: slowest (\(slowest.events)) / fastest (\(fastest.events)) = \(fixed(ratio, 2))  (goal ≤ 1.20: flat within 20%)  \(ratio <= 1.2 ? "PASS" : "FAIL")")
            // The fixed costs (start-up, schema, indexes, ANALYZE) weigh on the smallest size only:
            // the time each further event added is the slope between successive sizes.
            for (a, b) in zip(sized, sized.dropFirst()) {
                print("    added per event from \(a.events) to \(b.events): \(fixed((b.wall - a.wall) * 1e9 / Double(b.events - a.events), 0)) ns")
            }
        }
    } catch {
        print("replay at scale: \(error)")
    }
    try? FileManager.default.removeItem(atPath: work)
}
/// `memreplay-bench queries [events] [--dir DIR] [--queries DIR] [--rounds N]`: every file of queries/ through the
/// whole `memreplay query` on runs of `events` events (`QueriesBenchmark`); `--dir` keeps the runs'
/// databases there and reuses them while the binary and the commands are the same.
func runQueries(_ words: [String]) -> Int32 {
    let exe = CommandLine.arguments[0]
    let dir = exe.contains("/") ? String(exe[..<exe.lastIndex(of: "/")!]) : "."
    func option(_ name: String) -> String? { words.firstIndex(of: name).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil } }
    var bench = QueriesBenchmark()
    if let n = words.first.flatMap({ Int($0) }) { bench.events = n }
    if let r = option("--rounds").flatMap({ Int($0) }), r > 0 { bench.rounds = r }
    // queries/ of the checkout: the working directory's, else the one above .build/release.
    let queries = option("--queries") ?? (FileManager.default.fileExists(atPath: "queries") ? "queries" : dir + "/../../queries")
    let work = option("--dir") ?? "/tmp/memreplay-bench-queries-\(getpid())"
    print("queries (whole `memreplay query --format csv` of each queries/*.sql on its run of \(bench.events) events, best of \(bench.rounds); goal < \(fixed(QueriesBenchmark.goalSeconds, 1)) s each):")
    fflush(nil)
    var failed = 0
    do {
        let timings = try bench.run(memreplay: dir + "/memreplay", queries: queries, directory: work,
                                    report: { print("  \($0)"); fflush(nil) }) { t in
            let pass = t.seconds < QueriesBenchmark.goalSeconds
            if !pass { failed += 1 }
            let name = t.query.padding(toLength: 30, withPad: " ", startingAt: 0)
            let run = t.run.padding(toLength: 16, withPad: " ", startingAt: 0)
            print("  \(name) \(run) \(fixed(t.seconds, 3)) s (\(fixed(t.cpu, 3)) s CPU), \(t.rows) rows  \(pass ? "PASS" : "FAIL")")
            fflush(nil)
        }
        let slowest = timings.max { $0.seconds < $1.seconds }
        print("  \(timings.count) queries, \(failed) at or over the goal; slowest \(slowest?.query ?? "-") \(fixed(slowest?.seconds ?? 0, 3)) s")
    } catch {
        print("queries: \(error)")
        failed += 1
    }
    if option("--dir") == nil { try? FileManager.default.removeItem(atPath: work) }
    return failed == 0 ? 0 : 1
}
/// `memreplay-bench hardware [accesses]`: only the hardware-model figures (also a small, repeatable
/// workload for `valgrind --tool=callgrind`: instructions per access).
func runHardware(accesses: Int) {
    let h = hardwareBenchmark(events: accesses)
    print("hardware model (\(accesses) decoded accesses, best of 3; baseline: a bare loop over the same events):")
    print("  bare loop:              \(million(h.bare)) accesses/s")
    print("  cachegrind preset:      \(million(h.cachegrind)) accesses/s = \(fixed(h.cachegrind / h.bare, 3)) of the bare loop  (goal ≥ 50 M/s)  \(h.cachegrind >= 50e6 ? "PASS" : "FAIL")")
    print("  full model (seed-x86info): \(million(h.full)) accesses/s = \(fixed(h.full / h.bare, 3)) of the bare loop  (goal ≥ 20 M/s)  \(h.full >= 20e6 ? "PASS" : "FAIL")")
}
if args.count > 1 && args[1] == "hardware" { runHardware(accesses: args.count > 2 ? Int(args[2]) ?? 5_000_000 : 5_000_000); exit(0) }
if args.count > 1 && args[1] == "queries" { exit(runQueries(Array(args.dropFirst(2)))) }
if args.count > 1 && args[1] == "scale" { runScale(Array(args.dropFirst(2))); exit(0) }
if args.count > 1 && args[1] == "store" { runStore(rows: args.count > 2 ? Int(args[2]) ?? 2_000_000 : 2_000_000); exit(0) }
if args.count > 1 && args[1] == "replay" { runReplay(events: args.count > 2 ? Int(args[2]) ?? 2_000_000 : 2_000_000); exit(0) }
if args.count > 1 && args[1] == "vm" { runVirtualMemory(); exit(0) }
if args.count > 1 && args[1] == "pressure" { runPressure(); exit(0) }
if args.count > 1 && args[1] == "symbols" { runSymbolize(Array(args.dropFirst(2))); exit(0) }

print("memreplay-bench — every figure below was measured in this run")
print("")
let d = decodeBenchmark(events: decodeEvents)
print("trace decode (\(decodeEvents) access events with program-like locality, best of 3):")
print("  decode rate:            \(million(d.eventsPerSecond)) events/s   (goal ≥ 30 M/s)  \(d.eventsPerSecond >= 30e6 ? "PASS" : "FAIL")")
print("  size, access stream:    \(fixed(d.bytesPerAccessEvent, 3)) bytes/event    (goal ≤ 1.0)   \(d.bytesPerAccessEvent <= 1.0 ? "PASS" : "FAIL")")
print("  size, malloc/free:      \(fixed(d.bytesPerAllocEvent, 3)) bytes/event    (goal ≤ 3.0; recorder ≤ 2.0)   \(d.bytesPerAllocEvent <= 3.0 ? "PASS" : "FAIL")")
print("")
runEncode(events: 5_000_000)
print("")
runStore(rows: storeRows)

print("")
runHardware(accesses: 5_000_000)

print("")
let b = buddyBenchmark(pairs: 5_000_000)
print("page allocator (order-0 allocate+free pairs; baseline: the flat LIFO FrameTable in the same run):")
print("  buddy, one at a time:   \(million(b.single)) pairs/s = \(fixed(b.single / b.baseline, 3)) of the baseline  (goal ≥ 20 M/s)  \(b.single >= 20e6 ? "PASS" : "FAIL")")
print("  buddy, bursts of 4096:  \(million(b.burst)) pairs/s")
print("  baseline FrameTable:    \(million(b.baseline)) pairs/s")

print("")
let a = allocatorBenchmark(operations: 4_000_000)
print("allocator models (malloc/free churn, no kernel; baseline: bump pointer + slot array in the same run):")
print("  ptmalloc:               \(million(a.ptmalloc)) ops/s = \(fixed(a.ptmalloc / a.baseline, 3)) of the baseline  (goal ≥ 10 M/s)  \(a.ptmalloc >= 10e6 ? "PASS" : "FAIL")")
print("  jemalloc-like:          \(million(a.jemalloc)) ops/s")
print("  segregated fits:        \(million(a.segregated)) ops/s")
print("  baseline:               \(million(a.baseline)) ops/s")

print("")
runReplay(events: 2_000_000)

print("")
runVirtualMemory()

print("")
runPressure()
