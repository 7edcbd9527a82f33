import Foundation
import MemStore
import Testing

/// Runs every file of queries/ against the fixture database and checks the rows.
@Suite struct QueryFilesTests {
    static let queriesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("queries").path

    /// The expected CSV output of each query file on the fixture.
    static let expected: [String: String] = [
        "event-mix.sql": """
            family,kind,events,percent
            access,store,3,15.0
            access,load,2,10.0
            memory,mmap,2,10.0
            file,read,2,10.0
            control,phase,2,10.0
            process,spawn,1,5.0
            process,fork,1,5.0
            process,exit,1,5.0
            alloc,malloc,1,5.0
            alloc,free,1,5.0
            memory,munmap,1,5.0
            memory,madvise,1,5.0
            memory,region,1,5.0
            file,open,1,5.0
            """,
        "faults-by-process-vma.sql": """
            pid,image,vma,vma_name,vma_start,faults,anon,file_minor,major,cow,shmem,signals
            100,/usr/bin/app,3,/data/db.bin,0x7f1000000000,3,0,1,2,0,0,0
            100,/usr/bin/app,2,,0x7f0000000000,2,2,0,0,0,0,0
            101,/usr/bin/app,4,,0x7f0000000000,1,0,0,0,1,0,0
            """,
        "rss-over-time.sql": """
            seq,time_ms,pid,image,rss_kb,anon_kb,file_kb,shmem_kb,vm_size_kb
            6,0.004,100,/usr/bin/app,4,4,0,0,140
            18,0.013,100,/usr/bin/app,16,4,12,0,156
            18,0.013,101,/usr/bin/app,4,4,0,0,8
            20,0.015,100,/usr/bin/app,16,4,12,0,156
            """,
        "top-fault-addresses.sql": """
            pid,page,faults,kinds,vma,vma_name,first_seq,last_seq
            100,0x7f0000000000,2,anon_new,2,,5,18
            100,0x7f1000000000,1,file_major,3,/data/db.bin,9,9
            100,0x7f1000001000,1,file_major,3,/data/db.bin,9,9
            100,0x7f1000002000,1,file_minor,3,/data/db.bin,13,13
            101,0x7f0000000000,1,cow_copy,4,,12,12
            """,
        "phase-summary.sql": """
            phase,start_seq,end_seq,events,accesses,faults,major_faults,memory_calls,alloc_calls,file_calls,pages_populated,pages_freed,pages_written
            startup,2,10,8,2,3,2,3,1,1,2,0,0
            work,10,21,11,3,3,0,2,1,2,0,1,0
            """,
        "syscall-errors.sql": """
            family,op,errno,errno_name,calls,pids,first_seq
            memory,munmap,22,EINVAL,1,100,16
            """,
        "file-cache.sql": """
            file,path,size,reads,writes,bytes_read,bytes_written,pages_cached,pages_read,pages_changed,hit_percent,pages_dirtied,pages_written,pages_dropped
            1,/data/db.bin,16384,2,0,16384,0,3,1,0,75.0,0,0,0
            """,
        "cow-after-fork.sql": """
            fork_seq,parent,child,write_protected,child_copies,child_reuses,parent_copies,parent_reuses,until_seq
            11,100,101,1,1,0,0,0,21
            """,
        "counters-final.sql": """
            counter,first_seq,first_value,last_seq,last_value,change
            meminfo.MemFree,6,1000,20,991,-9
            vmstat.pgfault,6,1,20,6,5
            vmstat.pgmajfault,6,0,20,2,2
            """,
    ]

    static func allFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: queriesDirectory).filter { $0.hasSuffix(".sql") }.sorted()
    }

    @Test func theReadyQueriesArePresent() throws {
        let files = try Self.allFiles()
        #expect(Set(Self.expected.keys).isSubset(of: files))
    }

    /// Every file in queries/ — including ones added later without an expectation here — runs on
    /// the fixture and returns rows with named columns.
    @Test func everyQueryFileRunsOnTheFixture() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StoreFixture.build(in: dir.path)
        // The call-stack queries read schema 8's stack tables (a store without them cannot run them).
        for name in try Self.allFiles() where StoreSchema.version >= 8 || !name.hasPrefix("stack") {
            let results = try QueryRunner.execute(database: db,
                sql: try QueryRunner.sqlText(Self.queriesDirectory + "/" + name))
            #expect(results.count == 1 && !(results.first?.columns.isEmpty ?? true), "\(name)")
        }
    }

    @Test func everyQueryFileStartsWithAHeaderComment() throws {
        for name in Self.expected.keys.sorted() {
            let text = try String(contentsOfFile: Self.queriesDirectory + "/" + name, encoding: .utf8)
            #expect(text.hasPrefix("-- \(name) — "), "\(name)")
            #expect(text.contains("-- Reads: "), "\(name)")
        }
    }

    @Test(arguments: expected.keys.sorted())
    func queryFileGivesTheExpectedRows(_ name: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StoreFixture.build(in: dir.path)
        let output = try QueryRunner.run(database: db, sql: Self.queriesDirectory + "/" + name, format: .csv)
        #expect(output == Self.expected[name])
    }

    @Test func queryFilesRunOnAnEmptyRun() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/empty.db"
        let store = try SQLiteStore(path: path)
        try store.begin(StoreFixture.run)
        try store.finish(metrics: [], endedAt: 0)
        for name in Self.expected.keys.sorted() {
            let output = try QueryRunner.run(database: path, sql: Self.queriesDirectory + "/" + name, format: .csv)
            #expect(output == Self.expected[name]!.split(separator: "\n")[0] + "", "\(name)")
        }
    }
}
