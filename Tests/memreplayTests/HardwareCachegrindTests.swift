import Foundation
import TestSupport
import Testing

/// The `cachegrind` preset against valgrind cachegrind itself: the lackey trace of a C program,
/// imported and replayed with a geometry set on the command line, must give cachegrind's own
/// I1, D1 and LL read and write miss counts (within max(0.1%, 10 events)). The four programs of
/// Tests/Fixtures/hardware are compared by scripts/cachegrind-compare.sh (`make cachegrind-compare`).
@Suite struct HardwareCachegrindTests {
    static func which(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }
    static let toolsPresent = which("valgrind") && which("gcc")

    static func run(_ exe: String, _ args: [String]) throws -> Int32 {
        try Subprocess.run("/usr/bin/env", [exe] + args).status
    }

    @Test(.enabled(if: toolsPresent, "valgrind and gcc are needed"))
    func pointerChasingMatchesCachegrindWithANonDefaultGeometry() throws {
        // On its own thread with an 8 MiB stack, like the command line's main thread.
        nonisolated(unsafe) var failure: Error?
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do { try Self.compare() } catch { failure = error }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        if let failure { throw failure }
    }

    static func compare() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = CLI.packageRoot.appendingPathComponent("Tests/Fixtures/hardware/pointer_chase.c").path
        let exe = dir.appendingPathComponent("chase").path
        #expect(try Self.run("gcc", ["-O1", "-o", exe, src]) == 0)
        let (i1, d1, ll) = ("16384,4,64", "16384,2,64", "1048576,8,64")
        let log = dir.appendingPathComponent("chase.log").path
        let cg = dir.appendingPathComponent("chase.cg").path
        #expect(try Self.run("valgrind", ["--tool=lackey", "--trace-mem=yes", "--log-file=\(log)", exe]) == 0)
        #expect(try Self.run("valgrind", ["--tool=cachegrind", "--cache-sim=yes", "--I1=\(i1)", "--D1=\(d1)", "--LL=\(ll)",
                                          "--cachegrind-out-file=\(cg)", exe]) == 0)
        let trace = dir.appendingPathComponent("chase.mrt").path
        #expect(try CLI.run(["import", "lackey", log, "-o", trace]).status == 0)
        try? FileManager.default.removeItem(atPath: log)
        let db = dir.appendingPathComponent("chase.db").path
        let replay = try CLI.run(["replay", trace, "-q", "--set", "hw.preset=cachegrind", "--set", "hw.I1=\(i1)",
                                  "--set", "D1=\(d1)", "--set", "LL=\(ll)", "-o", db])
        #expect(replay.status == 0, "\(replay.stderr)")
        // cachegrind's summary line, named by its events line.
        let text = try String(contentsOfFile: cg, encoding: .utf8)
        let lines = text.split(separator: "\n")
        let events = lines.first { $0.hasPrefix("events: ") }!.dropFirst(8).split(separator: " ").map(String.init)
        let values = lines.first { $0.hasPrefix("summary: ") }!.dropFirst(9).split(separator: " ").compactMap { Int64($0) }
        #expect(events == ["Ir", "I1mr", "ILmr", "Dr", "D1mr", "DLmr", "Dw", "D1mw", "DLmw"])
        let q = try CLI.run(["query", db, "SELECT name, CAST(value AS INTEGER) FROM metrics WHERE name LIKE 'cachegrind.%'", "--format", "csv"])
        var ours: [String: Int64] = [:]
        for row in q.stdout.split(separator: "\n").dropFirst() {
            let f = row.split(separator: ",")
            if f.count == 2 { ours[String(f[0].dropFirst("cachegrind.".count))] = Int64(f[1]) }
        }
        for (name, theirs) in zip(events, values) {
            let mine = try #require(ours[name], "metric cachegrind.\(name) missing")
            #expect(abs(mine - theirs) <= max(theirs / 1000, 10), "\(name): cachegrind \(theirs), memreplay \(mine)")
        }
        #expect(values[4] > 100_000, "the chase misses D1 heavily with this geometry")
    }
}
