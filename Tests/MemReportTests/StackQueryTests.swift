import Foundation
@testable import MemReport
import MemStore
import Testing

/// The call-stack queries on the hand-made run of `StackFixture`: every figure worked out by hand.
@Suite struct StackQueryTests {
    static let queriesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("queries").path

    static func csv(_ metric: StackMetric, _ grouping: StackGrouping = .site, limit: Int? = nil) throws -> String {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StackFixture.build(in: dir.path)
        return try QueryRunner.run(database: db, sql: StackQuery.sql(metric, grouping: grouping, limit: limit), format: .csv)
    }

    static let expected: [StackMetric: String] = [
        .bytes: """
            site,file,line,object,bytes,calls,percent,stacks,top_stack
            xmalloc,sites.c,5,/usr/bin/app,1000,1,69.16,1,5
            build,sites.c,10,/usr/bin/app,350,3,24.2,2,3
            churn,sites.c,15,/usr/bin/app,64,4,4.43,1,4
            make_obj(),sites.cc,30,/usr/bin/app,24,1,1.66,1,7
            [no stack],,,,8,1,0.55,1,0
            """,
        .calls: """
            site,file,line,object,calls,bytes,percent,stacks,top_stack
            churn,sites.c,15,/usr/bin/app,4,64,40.0,1,4
            build,sites.c,10,/usr/bin/app,3,350,30.0,2,3
            [no stack],,,,1,8,10.0,1,0
            make_obj(),sites.cc,30,/usr/bin/app,1,24,10.0,1,7
            xmalloc,sites.c,5,/usr/bin/app,1,1000,10.0,1,5
            """,
        .faults: """
            site,file,line,object,faults,major_faults,percent,stacks,top_stack
            build,sites.c,10,/usr/bin/app,3,1,50.0,1,3
            [no stack],,,,2,0,33.33,1,0
            xmalloc,sites.c,5,/usr/bin/app,1,0,16.67,1,5
            """,
        // Live bytes peak after seq 12 (1390): seqs 1, 2, 12 (build), 8 (xmalloc), 10 (make_obj), 11 (churn).
        .peak: """
            site,file,line,object,peak_bytes,peak_blocks,percent,stacks,top_stack
            xmalloc,sites.c,5,/usr/bin/app,1000,1,71.94,1,5
            build,sites.c,10,/usr/bin/app,350,3,25.18,2,3
            make_obj(),sites.cc,30,/usr/bin/app,24,1,1.73,1,7
            churn,sites.c,15,/usr/bin/app,16,1,1.15,1,4
            """,
        .leaks: """
            site,file,line,object,leaked_bytes,leaked_blocks,percent,stacks,top_stack
            xmalloc,sites.c,5,/usr/bin/app,1000,1,96.9,1,5
            make_obj(),sites.cc,30,/usr/bin/app,24,1,2.33,1,7
            [no stack],,,,8,1,0.78,1,0
            """,
        // seq 3 (freed at 4, next allocation of thread 100 at 5), seq 5 (6 < 7), seq 11 (thread 101's
        // last); seq 7 is freed at 9, after thread 100's allocation at 8.
        .temporary: """
            site,file,line,object,temporary,temporary_bytes,percent,stacks,top_stack
            churn,sites.c,15,/usr/bin/app,3,48,100.0,1,4
            """,
    ]

    @Test(arguments: StackMetric.allCases)
    func sitesByMetric(_ metric: StackMetric) throws {
        #expect(try Self.csv(metric) == Self.expected[metric])
    }

    /// The same rows when v_allocations reads the `allocations` table the replay writes for traces
    /// with stacks (the fixture's table filled from the window view).
    @Test func sameRowsOverTheAllocationsTable() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StackFixture.build(in: dir.path, extraSQL: """
            INSERT INTO allocations (seq, pid, tid, stack, size, address, free_seq, free_stack)
                SELECT seq, pid, tid, stack, size, address, free_seq, free_stack FROM v_allocations;
            DROP VIEW v_allocations;
            \(StoreSchema.allocationsTableView)
            """)
        for metric in StackMetric.allCases {
            let output = try QueryRunner.run(database: db, sql: StackQuery.sql(metric, grouping: .site, limit: nil), format: .csv)
            #expect(output == Self.expected[metric], "\(metric)")
        }
    }

    @Test func wholeStacksWithTheirFrames() throws {
        #expect(try Self.csv(.bytes, .stack) == """
            stack,site,file,line,object,bytes,calls,percent,frames
            5,xmalloc,sites.c,5,/usr/bin/app,1000,1,69.16,xmalloc < leaky < main < __libc_start_call_main
            3,build,sites.c,10,/usr/bin/app,300,2,20.75,build < main < __libc_start_call_main
            4,churn,sites.c,15,/usr/bin/app,64,4,4.43,churn < main < __libc_start_call_main
            8,build,sites.c,11,/usr/bin/app,50,1,3.46,build < main < __libc_start_call_main
            7,make_obj(),sites.cc,30,/usr/bin/app,24,1,1.66,make_obj() < main < __libc_start_call_main
            0,[no stack],,,,8,1,0.55,
            """)
        #expect(try Self.csv(.leaks, .stack, limit: 1).split(separator: "\n").count == 2)
    }

    @Test func limitKeepsTheLargest() throws {
        let rows = try Self.csv(.calls, limit: 2).split(separator: "\n")
        #expect(rows.count == 3 && rows[1].hasPrefix("churn,") && rows[2].hasPrefix("build,"))
    }

    /// Each query file in queries/ is the generated SQL with its header: editing one without the
    /// other fails here. MEMREPLAY_WRITE_QUERIES=1 rewrites the files.
    @Test(arguments: StackMetric.allCases)
    func queryFilesAreTheGeneratedSQL(_ metric: StackMetric) throws {
        for grouping in StackGrouping.allCases {
            let path = Self.queriesDirectory + "/" + StackQuery.fileName(metric, grouping: grouping)
            let text = StackQuery.fileHeader(metric, grouping: grouping) + StackQuery.sql(metric, grouping: grouping) + "\n"
            if ProcessInfo.processInfo.environment["MEMREPLAY_WRITE_QUERIES"] == "1" {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            #expect((try? String(contentsOfFile: path, encoding: .utf8)) == text, "\(path)")
        }
    }

    @Test func queryFilesRunThroughQueryRunner() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StackFixture.build(in: dir.path)
        let output = try QueryRunner.run(database: db, sql: try QueryRunner.sqlText(Self.queriesDirectory + "/stack-sites-by-leaks.sql"),
                                         format: .csv)
        #expect(output == Self.expected[.leaks])
    }
}
