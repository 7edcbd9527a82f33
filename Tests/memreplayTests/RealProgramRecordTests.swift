import Foundation
import TestSupport
import MemTrace
import Testing

/// `memreplay record` on real programs: Python (counts checked against ltrace), a JVM with its
/// threads, and redis-server under redis-benchmark with a BGSAVE (threads and a forked child).
/// Each trace must replay end to end.
@Suite(.serialized)
struct RealProgramRecordTests {
    static func exists(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/Fixtures/recorder")

    /// Counts of malloc-family events per kind in a trace.
    static func allocCounts(_ path: String) throws -> [AllocOp: Int] {
        let r = try TraceReader(path: path)
        var counts: [AllocOp: Int] = [:]
        while let e = try r.next() { if case .alloc(let a) = e.event { counts[a.op, default: 0] += 1 } }
        return counts
    }

    /// Replays `trace` and checks that the run has one row per event.
    static func replaysEndToEnd(_ trace: String, in dir: URL) throws {
        let db = dir.appendingPathComponent("run.db").path
        let r = try CLI.run(["replay", trace, "-o", db, "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let q = try CLI.run(["query", db, "SELECT (SELECT COUNT(*) FROM events) = (SELECT value FROM metrics WHERE name = 'events.total') AS ok, (SELECT events FROM runs) AS n", "--format", "csv"])
        #expect(q.stdout.hasPrefix("ok,n\n1,"), "\(q.stdout)")
    }

    @Test(.enabled(if: exists("/usr/bin/python3.11") && exists("/usr/bin/ltrace")))
    func pythonCountsAgreeWithLtrace() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = RealProgramRecordTests.fixtures.appendingPathComponent("alloc.py").path
        let trace = dir.appendingPathComponent("py.mrt").path
        let r = try CLI.run(["record", "-o", trace, "--", "/usr/bin/python3.11", script])
        #expect(r.status == 0, "\(r.stderr)")
        let recorded = try RealProgramRecordTests.allocCounts(trace)
        // ltrace counts the same calls at their call sites; calls it attributes to libc.so.6 itself
        // are left out, because ltrace mislabels other libc-internal PLT calls there.
        let log = dir.appendingPathComponent("ltrace.txt").path
        try Subprocess.run("/usr/bin/ltrace", ["-f", "-o", log, "-e", "malloc+calloc+realloc+free", "/usr/bin/python3.11", script])
        let text = try String(contentsOfFile: log, encoding: .utf8)
        var independent: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.contains("libc.so.6->") {
            for name in ["malloc", "calloc", "realloc", "free"] where line.contains("->\(name)(") { independent[name, default: 0] += 1 }
        }
        for (op, name) in [(AllocOp.malloc, "malloc"), (.calloc, "calloc"), (.realloc, "realloc"), (.free, "free")] {
            let a = recorded[op] ?? 0, b = independent[name] ?? 0
            #expect(b > 0)
            #expect(abs(a - b) <= max(5, b / 100), "\(name): recorded \(a), ltrace \(b)")
        }
        try RealProgramRecordTests.replaysEndToEnd(trace, in: dir)
    }

    @Test(.enabled(if: exists("/usr/bin/java") && exists("/usr/bin/javac")))
    func jvmWithItsThreads() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let javac = try Subprocess.run("/usr/bin/javac", ["-d", dir.path, RealProgramRecordTests.fixtures.appendingPathComponent("Alloc.java").path])
        #expect(javac.status == 0, "\(javac)")
        let trace = dir.appendingPathComponent("java.mrt").path
        let r = try CLI.run(["record", "-o", trace, "--", "/usr/bin/java", "-Xmx256m", "-cp", dir.path, "Alloc"])
        #expect(r.status == 0, "\(r.stderr)")
        let reader = try TraceReader(path: trace)
        var threads = Set<UInt32>(), starts = 0, mallocs = 0, mmaps = 0, exits = 0
        while let e = try reader.next() {
            threads.insert(e.tid.rawValue)
            switch e.event {
            case .process(let p) where p.op == .threadStart: starts += 1
            case .process(let p) where p.op == .exit: exits += 1; #expect(p.status == 0)
            case .alloc(let a) where a.op == .malloc: mallocs += 1
            case .memory(let m) where m.op == .mmap: mmaps += 1
            default: break
            }
        }
        #expect(threads.count >= 10)          // GC, JIT compiler, finalizer, … threads
        #expect(starts >= threads.count - 1)
        #expect(exits == 1 && mallocs > 1000 && mmaps > 10)
        try RealProgramRecordTests.replaysEndToEnd(trace, in: dir)
    }

    @Test(.enabled(if: exists("/usr/bin/redis-server") && exists("/usr/bin/redis-benchmark") && exists("/usr/bin/redis-cli")))
    func redisUnderBenchmarkWithBGSAVE() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = String(20_000 + Int(getpid() % 10_000))
        let trace = dir.appendingPathComponent("redis.mrt").path
        let server = try Subprocess.start(CLI.binary.path, ["record", "-o", trace, "--", "/usr/bin/redis-server", "--port", port, "--bind", "127.0.0.1",
                                                            "--save", "", "--appendonly", "no", "--dir", dir.path, "--daemonize", "no"])
        func cli(_ args: [String]) throws -> String {
            try Subprocess.run("/usr/bin/redis-cli", ["-p", port] + args, timeout: 60).stdout
        }
        var up = false
        for _ in 0..<100 where !up { if try cli(["ping"]).contains("PONG") { up = true } else { usleep(100_000) } }
        #expect(up)
        let bench = try Subprocess.run("/usr/bin/redis-benchmark", ["-p", port, "-n", "100000", "-q", "-t", "set,get,incr,lpush,lpop"], timeout: 300)
        #expect(bench.status == 0, "\(bench.stderr)")
        #expect(try cli(["bgsave"]).contains("started"))
        var saved = false
        for _ in 0..<100 where !saved {
            if try cli(["info", "persistence"]).contains("rdb_bgsave_in_progress:0") { saved = true } else { usleep(100_000) }
        }
        #expect(saved)
        _ = try cli(["shutdown", "nosave"])
        let ended = server.wait(timeout: 300)
        #expect(ended.status == 0, "\(ended)")

        let reader = try TraceReader(path: trace)
        var pids = Set<UInt32>(), forks = 0, starts = 0, exits: [Int32] = [], mallocs = 0, frees = 0
        while let e = try reader.next() {
            pids.insert(e.pid.rawValue)
            switch e.event {
            case .process(let p) where p.op == .fork: forks += 1
            case .process(let p) where p.op == .threadStart: starts += 1
            case .process(let p) where p.op == .exit: exits.append(p.status)
            case .alloc(let a) where a.op == .malloc: mallocs += 1
            case .alloc(let a) where a.op == .free: frees += 1
            default: break
            }
        }
        #expect(forks == 1 && pids.count == 2)        // the BGSAVE child
        #expect(exits == [0, 0])
        #expect(starts >= 3)                           // redis's background I/O threads
        #expect(mallocs >= 500_000 / 2 && frees >= mallocs / 2)   // several allocations per request
        try RealProgramRecordTests.replaysEndToEnd(trace, in: dir)
    }
}
