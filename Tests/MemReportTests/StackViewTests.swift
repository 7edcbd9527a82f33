import Foundation
@testable import MemReport
import MemStore
import Testing

/// `StackView` (what `memreplay stacks` prints) on `StackFixture`'s run, and its refusals.
@Suite struct StackViewTests {
    static func view(_ metric: StackMetric, _ grouping: StackGrouping = .site, top: Int = 10, depth: Int = 8) throws -> StackView {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StackFixture.build(in: dir.path)
        var v = try StackView.load(database: db, metric: metric, grouping: grouping, top: top, depth: depth)
        v.database = "run.db"
        return v
    }

    @Test func textLooksLikeHeaptrackPrint() throws {
        let text = try Self.view(.leaks).text()
        #expect(text == """
            run.db: allocation sites by bytes leaked (never freed) — top 3 of 3; 1,032 leaked bytes in all

            #1 xmalloc: 1,000 leaked bytes (96.90 %), 1 leaked blocks, 1 stack
                stack 5:
                  xmalloc  sites.c:5  in app
                  leaky  sites.c:20  in app
                  main  sites.c:40  in app
                  __libc_start_call_main  in libc.so.6

            #2 make_obj(): 24 leaked bytes (2.33 %), 1 leaked blocks, 1 stack
                stack 7:
                  make_obj()  sites.cc:30  in app
                  main  sites.c:40  in app
                  __libc_start_call_main  in libc.so.6

            #3 [no stack]: 8 leaked bytes (0.78 %), 1 leaked blocks, 1 stack
                (the calls carried no stack)

            """)
    }

    /// A stack of the recorder's own (`recorder_stacks`) is the site `[memreplay recorder]`:
    /// left out unless asked for, with its figure in the heading, and shown from its leaf.
    @Test func recorderStacksAreOneSiteLeftOutByDefault() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StackFixture.build(in: dir.path, extraSQL: "INSERT INTO recorder_stacks VALUES (3);")
        var v = try StackView.load(database: db, metric: .faults)
        v.database = "run.db"
        #expect(v.rows.map(\.site) == ["[no stack]", "xmalloc"])
        #expect(v.recorderLeftOut == 3 && v.total == 6 && v.count == 2)
        #expect(v.text().hasPrefix("run.db: allocation sites by page faults — top 2 of 2; 6 faults in all, 3 of them the recorder's own "
                                   + "([memreplay recorder], left out: --include-recorder shows it)\n"), "\(v.text())")
        let all = try StackView.load(database: db, metric: .faults, includeRecorder: true)
        #expect(all.rows.map(\.site) == ["[memreplay recorder]", "[no stack]", "xmalloc"])
        #expect(all.recorderLeftOut == 0 && all.rows[0].values == [3, 1] && all.rows[0].file == nil)
        #expect(all.rows[0].frames.map(\.function) == ["build", "main", "__libc_start_call_main"])
        // The SQL files name the site too.
        let sites = try QueryRunner.execute(database: db, sql: StackQuery.sql(.faults, grouping: .site)).last?.rows ?? []
        #expect(sites.first?.first == .text("[memreplay recorder]"))
    }

    @Test func topAndDepthBoundTheOutput() throws {
        let v = try Self.view(.bytes, top: 2, depth: 1)
        #expect(v.rows.map(\.site) == ["xmalloc", "build"])
        #expect(v.rows.map(\.frames.count) == [1, 1])
        #expect(v.count == 5 && v.total == 1446)
        // build gathers two stacks; the one shown is the larger (stack 3, 300 bytes).
        #expect(v.rows[1].stacks == 2 && v.rows[1].stack == 3 && v.rows[1].values == [350, 3])
        #expect(v.text().contains("stack 3 (the largest):"))
        let stacks = try Self.view(.bytes, .stack, top: 3)
        #expect(stacks.rows.map(\.stack) == [5, 3, 4])
    }

    @Test func csvAndJSON() throws {
        let v = try Self.view(.calls, top: 2, depth: 2)
        #expect(try v.render(.csv) == """
            rank,site,file,line,object,calls,bytes,percent,stacks,stack,frames
            1,churn,sites.c,15,/usr/bin/app,4,64,40.0,1,4,churn  sites.c:15  in app; main  sites.c:40  in app
            2,build,sites.c,10,/usr/bin/app,3,350,30.0,2,3,build  sites.c:10  in app; main  sites.c:40  in app

            """)
        let decoded = try JSONDecoder().decode(StackView.self, from: Data(try v.render(.json).utf8))
        #expect(decoded == v)
    }

    /// Databases the view cannot read: each refusal names the file and says what to do.
    @Test func refusals() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let noStacks = try StackFixture.build(in: dir.path, name: "empty.db", extraSQL: "DELETE FROM stacks;")
        let e1 = #expect(throws: StoreError.self) { try StackView.load(database: noStacks, metric: .bytes) }
        #expect(e1?.description == "\(noStacks): the run has no call stacks: record the program with `memreplay record --stacks dwarf` (synthesized traces have none) and replay it")
        let old = try StackFixture.build(in: dir.path, name: "old.db", extraSQL: "DROP VIEW v_stack_frames; PRAGMA user_version = 7;")
        let e2 = #expect(throws: StoreError.self) { try StackView.load(database: old, metric: .bytes) }
        #expect(e2?.description == "\(old): schema version 7 has no call-stack tables (schema 8 added them): replay the trace again with this memreplay")
        let text = dir.path + "/notes.db"
        try "not a database at all, just some text that is long enough".write(toFile: text, atomically: true, encoding: .utf8)
        let e3 = #expect(throws: StoreError.self) { try StackView.load(database: text, metric: .bytes) }
        #expect(e3?.description.hasPrefix("\(text): ") == true && e3?.description.contains("not an SQLite database") == true, "\(String(describing: e3))")
        let noRuns = try StackFixture.build(in: dir.path, name: "other.db", extraSQL: "DROP TABLE runs;")
        let e4 = #expect(throws: StoreError.self) { try StackView.load(database: noRuns, metric: .bytes) }
        #expect(e4?.description.contains("not a run database") == true)
    }
}
