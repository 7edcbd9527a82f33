import Foundation
import TestSupport
import Testing
import MemStore

@Suite(.serialized) struct CLITests {
    @Test(arguments: [["--help"], ["synth", "--help"], ["synth", "mappings", "--help"], ["synth", "locality", "--help"],
                      ["synth", "malloc", "--help"], ["inspect", "--help"], ["replay", "--help"], ["query", "--help"],
                      ["diff", "--help"], ["metrics", "--help"], ["demo", "--help"]])
    func everySubcommandHasHelpWithAnExample(_ args: [String]) throws {
        let r = try CLI.run(args)
        #expect(r.status == 0)
        #expect(r.stdout.contains("Example"))
    }

    @Test func synthInspectReplayQuery() throws {
        let d = try CLI.tempDir()
        let t = d.appendingPathComponent("m.mrt").path, db = d.appendingPathComponent("m.db").path
        #expect(try CLI.run(["synth", "mappings", "--size", "2M", "-o", t]).status == 0)
        let i = try CLI.run(["inspect", t])
        #expect(i.status == 0)
        #expect(i.stdout.contains("store") && i.stdout.contains("bytes/event"))
        let r = try CLI.run(["replay", t, "-o", db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: db))
        let q = try CLI.run(["query", db, "SELECT COUNT(*) AS n FROM events", "--format", "csv"])
        #expect(q.stdout == "n\n\(2 * 512 * 2 + 16)\n" || q.status == 0)
        let events = try QueryRunner.execute(database: db, sql: "SELECT COUNT(*) FROM events").first!.rows[0][0]
        let metric = try QueryRunner.execute(database: db, sql: "SELECT value FROM metrics WHERE name = 'events.total'").first!.rows[0][0]
        if case .integer(let n) = events, case .real(let m) = metric { #expect(Double(n) == m) } else { Issue.record("unexpected types") }
        // Every ready query runs against a real replay.
        let queries = try FileManager.default.contentsOfDirectory(atPath: CLI.packageRoot.appendingPathComponent("queries").path).filter { $0.hasSuffix(".sql") }
        #expect(queries.count >= 5)
        for f in queries {
            let r = try CLI.run(["query", db, CLI.packageRoot.appendingPathComponent("queries/\(f)").path])
            #expect(r.status == 0, "\(f): \(r.stderr)")
        }
    }

    @Test func missingAndGarbageInputExitTwoNamingTheFile() throws {
        let d = try CLI.tempDir()
        let missing = d.appendingPathComponent("nope.mrt").path
        let r = try CLI.run(["inspect", missing])
        #expect(r.status == 2)
        #expect(r.stderr.contains("nope.mrt"))
        let garbage = d.appendingPathComponent("garbage.mrt").path
        try Data("this is not a trace at all".utf8).write(to: URL(fileURLWithPath: garbage))
        let g = try CLI.run(["replay", garbage, "-o", d.appendingPathComponent("g.db").path])
        #expect(g.status == 2)
        #expect(g.stderr.contains("garbage.mrt") && g.stderr.contains("byte"))
        #expect(!FileManager.default.fileExists(atPath: d.appendingPathComponent("g.db").path))
        #expect(try CLI.run(["replay", garbage, "--set", "nonsense=1"]).status == 2)
        #expect(try CLI.run(["synth", "mappings", "--size", "huge", "-o", d.appendingPathComponent("x.mrt").path]).status == 2)
        #expect(try CLI.run(["frobnicate"]).status == 2)
    }

    @Test func damagedTraceFailsWithoutSalvageAndReplaysWithIt() throws {
        let d = try CLI.tempDir()
        let t = d.appendingPathComponent("l.mrt").path
        #expect(try CLI.run(["synth", "locality", "--events", "300000", "-o", t]).status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: t))
        let cut = bytes.count * 3 / 4
        bytes = bytes.prefix(cut)
        let damaged = d.appendingPathComponent("cut.mrt").path
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let db = d.appendingPathComponent("cut.db").path
        let r = try CLI.run(["replay", damaged, "-o", db])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cut.mrt") && r.stderr.contains("byte"))
        #expect(!FileManager.default.fileExists(atPath: db))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
        let s = try CLI.run(["replay", damaged, "-o", db, "--salvage"])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stdout.contains("salvaged"))
        let salvaged = try QueryRunner.execute(database: db, sql: "SELECT value FROM metrics WHERE name = 'replay.salvaged'").first!.rows[0][0]
        #expect(salvaged == .real(1))
    }

    @Test func diffExitCodesAndMarkdown() throws {
        let d = try CLI.tempDir()
        let a = d.appendingPathComponent("a.mrt").path, b = d.appendingPathComponent("b.mrt").path
        #expect(try CLI.run(["synth", "mappings", "--size", "1M", "-o", a]).status == 0)
        #expect(try CLI.run(["synth", "mappings", "--size", "2M", "-o", b]).status == 0)
        let adb = d.appendingPathComponent("a.db").path, bdb = d.appendingPathComponent("b.db").path
        #expect(try CLI.run(["replay", a, "-o", adb, "-q"]).status == 0)
        #expect(try CLI.run(["replay", b, "-o", bdb, "-q"]).status == 0)
        let same = try CLI.run(["diff", adb, adb, "--threshold", "*=0"])
        #expect(same.status == 0)
        let up = try CLI.run(["diff", adb, bdb, "--threshold", "vmstat.pgfault=+5%"])
        #expect(up.status == 1)
        #expect(up.stdout.contains("| metric") && up.stdout.contains("vmstat.pgfault") && up.stdout.contains("REGRESSION"))
        let loose = try CLI.run(["diff", adb, bdb, "--threshold", "vmstat.pgfault=+500%"])
        #expect(loose.status == 0)
        let json = try CLI.run(["diff", adb, bdb, "--format", "json"])
        #expect(json.status == 0 && json.stdout.hasPrefix("{") || json.stdout.hasPrefix("["))
        #expect(try CLI.run(["diff", adb, bdb, "--threshold", "vmstat.pgfault=lots"]).status == 2)
        // A committed metrics baseline works like a database.
        let m = try CLI.run(["metrics", adb])
        #expect(m.status == 0)
        let baseline = d.appendingPathComponent("a.json")
        try Data(m.stdout.utf8).write(to: baseline)
        #expect(try CLI.run(["diff", baseline.path, adb, "--threshold", "*=0"]).status == 0)
    }

    @Test func queryIsReadOnly() throws {
        let d = try CLI.tempDir()
        let t = d.appendingPathComponent("m.mrt").path, db = d.appendingPathComponent("m.db").path
        #expect(try CLI.run(["synth", "mappings", "--size", "1M", "-o", t]).status == 0)
        #expect(try CLI.run(["replay", t, "-o", db, "-q"]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        for sql in ["DELETE FROM accesses", "INSERT INTO metrics VALUES (1, 'x', 1)", "CREATE TABLE x (a)", "DROP VIEW v_events"] {
            let r = try CLI.run(["query", db, sql])
            #expect(r.status == 2)
            #expect(r.stderr.contains("read-only"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        #expect(try CLI.run(["query", db, "SELEC nonsense"]).status == 2)
    }

    @Test func interruptedReplayLeavesNothing() throws {
        let d = try CLI.tempDir()
        let t = d.appendingPathComponent("big.mrt").path, db = d.appendingPathComponent("big.db").path
        #expect(try CLI.run(["synth", "locality", "--events", "3000000", "-o", t]).status == 0)
        let p = try Subprocess.start(CLI.binary.path, ["replay", t, "-o", db])
        // Wait until the temporary database exists, then interrupt.
        var sawTemp = false
        for _ in 0..<400 {
            if (try FileManager.default.contentsOfDirectory(atPath: d.path)).contains(where: { $0.contains(".tmp") }) { sawTemp = true; break }
            usleep(10_000)
        }
        p.kill(SIGINT)
        let r = p.wait(timeout: 120)
        #expect(sawTemp)
        #expect(r.status == 130, "\(r)")
        #expect(!FileManager.default.fileExists(atPath: db))
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.contains(".tmp") }.isEmpty)
    }

    @Test func sameTraceGivesIdenticalOutcomeTables() throws {
        let d = try CLI.tempDir()
        let t = d.appendingPathComponent("l.mrt").path
        #expect(try CLI.run(["synth", "locality", "--events", "100000", "--seed", "4", "-o", t]).status == 0)
        let a = d.appendingPathComponent("a.db").path, b = d.appendingPathComponent("b.db").path
        #expect(try CLI.run(["replay", t, "-o", a, "-q"]).status == 0)
        #expect(try CLI.run(["replay", t, "-o", b, "-q"]).status == 0)
        for table in ["events", "accesses", "faults", "memory_calls", "control_events", "process_events", "vmas",
                      "processes", "threads", "counter_samples", "process_samples", "metrics", "strings", "files"] {
            let q = "SELECT * FROM \(table) ORDER BY 1, 2"
            #expect(try QueryRunner.run(database: a, sql: q, format: .csv) == QueryRunner.run(database: b, sql: q, format: .csv), "\(table) differs")
        }
    }
}
