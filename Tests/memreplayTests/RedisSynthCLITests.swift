import Foundation
import Testing

/// `memreplay synth redis`: determinism, bad options, and each knob moving the replay's outcome
/// the expected way (value size and keys → RSS, BGSAVE with writes → COW faults, THP → fewer
/// faults and bigger COW copies), plus the trace's bytes per event.
@Suite struct RedisSynthCLITests {
    static func synth(_ dir: URL, _ name: String, _ args: [String]) throws -> URL {
        let t = dir.appendingPathComponent(name + ".mrt")
        let r = try CLI.run(["synth", "redis"] + args + ["-o", t.path])
        #expect(r.status == 0, "\(r.stderr)")
        return t
    }

    static func replay(_ dir: URL, _ trace: URL, _ name: String, _ sets: [String] = []) throws -> URL {
        let db = dir.appendingPathComponent(name + ".db")
        let r = try CLI.run(["replay", trace.path, "-o", db.path, "-q"] + sets.flatMap { ["--set", $0] })
        #expect(r.status == 0, "\(r.stderr)")
        return db
    }

    static func metric(_ db: URL, _ name: String) throws -> Double {
        let r = try CLI.run(["query", db.path, "SELECT coalesce(sum(value), 0) FROM metrics WHERE name = '\(name)'", "--format", "csv"])
        return Double(r.stdout.split(separator: "\n").last.map(String.init) ?? "") ?? .nan
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let dir = try CLI.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["--keys", "2000", "--value-size", "lognormal:200:1", "--ops", "5000", "--zipf", "0.99", "--mix", "get=60,set=30,del=5,expire=5", "--bgsave-after-load"]
        // The same relative output name each time: the header's command line holds it.
        func run(_ seed: String) throws -> Data {
            let t = dir.appendingPathComponent("t.mrt")
            try? FileManager.default.removeItem(at: t)
            #expect(try CLI.run(["synth", "redis"] + args + ["--seed", seed, "-o", "t.mrt"], cwd: dir).status == 0)
            return try Data(contentsOf: t)
        }
        let a = try run("5"), b = try run("5"), c = try run("6")
        #expect(a == b)
        #expect(a != c)
    }

    @Test func badOptionsExitTwoNamingTheProblemAndLeaveNoFile() throws {
        let dir = try CLI.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let hist = dir.appendingPathComponent("sizes.txt")
        try "100 5\n# comment\n2000 x\n".write(to: hist, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--value-size", "uniform:10"], "expected uniform:MIN-MAX"),
            (["--value-size", "gauss:5"], "expected N, fixed:N"),
            (["--mix", "get=60,set=60"], "add up to 120, expected 100"),
            (["--mix", "get=50,incr=50"], "unknown operation 'incr'"),
            (["--quantum", "12"], "--quantum 12: expected 8 or 16"),
            (["--keys", "1000", "--key-size", "2"], "--key-size 2: expected 3"),
            (["--save", "60"], "--save 60: expected SECONDS:CHANGES"),
            (["--value-size", "histogram:" + hist.path], "sizes.txt: line 3: expected 'SIZE WEIGHT'"),
            (["--cache-oblivious", "maybe"], "expected on or off"),
        ]
        for (args, message) in cases {
            let out = dir.appendingPathComponent("bad.mrt")
            let r = try CLI.run(["synth", "redis"] + args + ["-o", out.path])
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test func valueSizeAndKeysRaiseRSS() throws {
        let dir = try CLI.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        var hwm: [String: Double] = [:]
        for (name, args) in [("k2000v100", ["--keys", "2000", "--value-size", "100"]), ("k2000v1000", ["--keys", "2000", "--value-size", "1000"]),
                             ("k8000v100", ["--keys", "8000", "--value-size", "100"])] {
            let t = try Self.synth(dir, name, args + ["--ops", "0"])
            hwm[name] = try Self.metric(try Self.replay(dir, t, name), "status.4000.VmHWM")
        }
        // 900 more bytes per key ≈ +1.8 MB; four times the keys ≈ +1.2 MB.
        #expect(hwm["k2000v1000"]! > hwm["k2000v100"]! + 1500)
        #expect(hwm["k8000v100"]! > hwm["k2000v100"]! + 1000)
    }

    @Test func bgsaveWithWritesCausesCOWAndTHPMakesFewerBiggerFaults() throws {
        let dir = try CLI.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["--keys", "20000", "--value-size", "1000", "--ops", "20000", "--mix", "get=0,set=100", "--rdb-rate", "20M"]
        let save = try Self.synth(dir, "save", base + ["--bgsave-after-load"])
        let none = try Self.synth(dir, "none", base)
        let cow = try Self.metric(try Self.replay(dir, save, "save"), "faults.cow_copy")
        let cowNone = try Self.metric(try Self.replay(dir, none, "none"), "faults.cow_copy")
        #expect(cowNone == 0)
        #expect(cow > 1000)
        // THP always: 2 MiB faults for jemalloc's 2 MiB-aligned extents, so far fewer faults.
        let never = try Self.replay(dir, save, "never", ["thp.enabled=never"])
        let always = try Self.replay(dir, save, "always", ["thp.enabled=always"])
        #expect(try Self.metric(always, "vmstat.pgfault") < Self.metric(never, "vmstat.pgfault") * 0.8)
        #expect(try Self.metric(always, "vmstat.thp_fault_alloc") > 0)
    }

    @Test func bytesPerEvent() throws {
        let dir = try CLI.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let t = dir.appendingPathComponent("size.mrt")
        let r = try CLI.run(["synth", "redis", "--keys", "20000", "--ops", "50000", "--bgsave-after-load", "-o", t.path])
        #expect(r.status == 0)
        let fields = r.stdout.split(separator: " ")
        let events = Double(fields[1])!, bytes = Double(fields[3])!
        #expect(bytes / events < 1.5, "\(r.stdout)")
    }
}
