import Foundation
import MemStore
import TestSupport
import Testing

/// `record --stacks dwarf --fault-stacks dwarf` (faults captured by perf) then `replay`: the faults the kernel model
/// takes for fault-derived touches carry the touch's call stack in `faults.stack`, symbolized at
/// replay end — touch_pages' pages fault in touch_pages, read_into's buffer in read() under
/// read_into, in the main thread, a second thread and a forked child (the pages each prints).
@Suite(.serialized)
struct FaultStackStoreTests {
    @Test(.enabled(if: RecordFaultStacksTests.enabled && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")))
    func replayedFaultsCarryTheSampleStacks() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordFaultStacksTests.compile(framePointers: false, in: dir)
        let trace = dir.appendingPathComponent("fs.mrt").path, db = dir.appendingPathComponent("fs.db").path
        let r = try CLI.run(["record", "--stacks", "dwarf", "--fault-stacks", "dwarf", "-o", trace, "--", program, "32"])
        try #require(r.status == 0, "\(r.stderr)")
        // "touch|read main|thread|child pid address pages": the pages of each kind.
        var pages: [String: Int64] = [:]
        for line in r.stdout.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 5, let n = Int64(f[4]) { pages[String(f[0]), default: 0] += n }
        }
        try #require(pages["touch", default: 0] > 0 && pages["read", default: 0] > 0, "\(r.stdout)")
        let p = try CLI.run(["replay", trace, "-o", db])
        try #require(p.status == 0, "\(p.stderr)")
        #expect(try StackTablesCheck.violations(database: db) == [])
        func count(_ sql: String) throws -> Int64 {
            let rows = try QueryRunner.execute(database: db, sql: sql).first?.rows ?? []
            guard case .integer(let n)? = rows.first?.first else { Issue.record("\(sql): \(rows)"); return -1 }
            return n
        }
        let withStack = try count("SELECT count(*) FROM faults WHERE stack != 0")
        let all = try count("SELECT count(*) FROM faults")
        #expect(withStack > 0 && withStack <= all, "\(withStack) of \(all)")
        let innermostTouch = try count("""
            SELECT count(*) FROM faults f JOIN v_stack_frames v ON v.stack = f.stack AND v.position = 0
            WHERE v.function = 'touch_pages'
            """)
        #expect(innermostTouch >= pages["touch", default: 0], "faults with touch_pages innermost: \(innermostTouch)")
        let underRead = try count("""
            SELECT count(DISTINCT f.id) FROM faults f JOIN v_stack_frames v ON v.stack = f.stack
            WHERE v.function = 'read_into'
            """)
        #expect(underRead >= pages["read", default: 0], "faults under read_into: \(underRead)")
    }

    /// The site of the recorder's own stacks (`StackQuery.recorderSite`).
    static let recorderSite = "[memreplay recorder]"

    /// The fixture recorded with `record --stacks dwarf --fault-stacks dwarf ARGS` and replayed: the run database.
    static func recordAndReplay(_ extra: [String], in dir: URL) throws -> String {
        let program = try RecordFaultStacksTests.compile(framePointers: false, in: dir)
        let trace = dir.appendingPathComponent("fs.mrt").path, db = dir.appendingPathComponent("fs.db").path
        let r = try CLI.run(["record", "--stacks", "dwarf", "--fault-stacks", "dwarf"] + extra + ["-o", trace, "--", program, "32"])
        try #require(r.status == 0, "\(r.stderr)")
        let p = try CLI.run(["replay", trace, "-o", db])
        try #require(p.status == 0, "\(p.stderr)")
        return db
    }

    /// `memreplay stacks DB --by faults --format json ARGS`: its sites and the parsed object.
    static func faultSites(_ db: String, _ extra: [String] = []) throws -> (sites: [String: Int64], json: [String: Any]) {
        let r = try CLI.run(["stacks", db, "--by", "faults", "--top", "1000", "--format", "json"] + extra)
        try #require(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        var sites: [String: Int64] = [:]
        for row in object["rows"] as? [[String: Any]] ?? [] {
            sites[row["site"] as? String ?? "", default: 0] += (row["values"] as? [NSNumber])?.first?.int64Value ?? 0
        }
        return (sites, object)
    }

    /// The recorder's own faults are named: its start-up faults (taken before it announced the
    /// loaded objects, or in a fork child before the child's own records) get their frames from
    /// the objects announced later (or the parent's), so no single-frame `??+0x7f…` site is left
    /// for a pc in a mapped file; stacks through its own code (start-up, flushes, the exit flush
    /// that was `_dl_call_fini`) are the site `[memreplay recorder]`, left out of `--by faults`
    /// unless `--include-recorder`, with their count in the heading.
    @Test(.enabled(if: RecordFaultStacksTests.enabled && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")))
    func recorderFaultsAreNamedAndLabelled() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Self.recordAndReplay([], in: dir)
        #expect(try StackTablesCheck.violations(database: db) == [])
        // No fault's stack is one absolute pc inside a file the process mapped (ld.so, libc, the
        // recorder, the program): before, 1,074 of them (47 stacks) were. What may stay is the
        // pc of exec's own faults, in the image that called execve (memreplay's fork).
        let absolute = try QueryRunner.execute(database: db, sql: """
            SELECT count(*) FROM faults f JOIN stacks s ON s.id = f.stack AND s.object = 0 AND s.parent = 0
            JOIN vmas v ON v.pid = f.pid AND v.start <= s.offset - 1 AND s.offset - 1 < v."end" AND v.name GLOB '/*'
            """).first?.rows
        #expect(absolute?.first?.first == .integer(0), "\(String(describing: absolute))")
        let all = try Self.faultSites(db, ["--include-recorder"])
        let recorder = all.sites[Self.recorderSite, default: 0]
        #expect(recorder > 0, "\(all.sites)")
        #expect(all.sites["_dl_call_fini"] == nil, "\(all.sites)")
        #expect(all.sites["touch_pages", default: 0] >= 64, "\(all.sites)")
        // Left out by default, and counted.
        let shown = try Self.faultSites(db)
        #expect(shown.sites[Self.recorderSite] == nil)
        #expect((shown.json["recorderLeftOut"] as? NSNumber)?.int64Value == recorder)
        #expect(shown.sites["touch_pages"] == all.sites["touch_pages"])
        let text = try CLI.run(["stacks", db, "--by", "faults"])
        #expect(text.stdout.contains("of them the recorder's own ([memreplay recorder], left out: --include-recorder shows it)"), "\(text.stdout)")
        // Every recorder stack a fault names has a frame in the recorder's object.
        let rows = try QueryRunner.execute(database: db, sql: """
            SELECT count(*) FROM recorder_stacks r WHERE r.stack IN (SELECT stack FROM faults) AND NOT EXISTS (
                SELECT 1 FROM v_stack_frames v WHERE v.stack = r.stack AND v.object_path GLOB '*libmemreplay-recorder*')
            """).first?.rows
        #expect(rows?.first?.first == .integer(0))
    }

    /// `record --stack-depth 3`: no page-fault stack is deeper than 3 frames (the merge cuts them
    /// where the interposer cuts the allocation stacks).
    @Test(.enabled(if: RecordFaultStacksTests.enabled && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")))
    func faultStackDepthFollowsTheOption() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Self.recordAndReplay(["--stack-depth", "3"], in: dir)
        let rows = try QueryRunner.execute(database: db, sql: """
            SELECT count(*), max(s.depth) FROM faults f JOIN stacks s ON s.id = f.stack
            """).first?.rows.first
        guard case .integer(let n)? = rows?.first, case .integer(let deepest)? = rows?.last else { Issue.record("\(String(describing: rows))"); return }
        #expect(n > 0 && deepest <= 3, "\(n) faults with a stack, deepest \(deepest)")
    }
}
