import Foundation
import MemModel
import MemReplay
import MemStore
import MemTrace
import Testing

@Suite struct SQLiteStoreTests {
    @Test func storesTheRunAndDimensions() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StoreFixture.build(in: dir.path)
        #expect(try rows(db, "SELECT id, tool_version, trace_path, trace_hash, config_json, trace_header_json, started_at, ended_at, events FROM runs")
            == [["1", "0.1.0-test", "traces/fixture.mrt", "fnv1a64:0123456789abcdef", "{\"machine\":\"small\"}",
                 "{\"producer\":\"test\"}", "1700000000.0", "1700000010.0", "20"]])
        #expect(try rows(db, "SELECT * FROM processes ORDER BY pid")
            == [["100", "1", "/usr/bin/app", "1", "0", "NULL"], ["101", "100", "/usr/bin/app", "11", "20", "0"]])
        #expect(try rows(db, "SELECT * FROM threads ORDER BY tid") == [["100", "100", "1", "0"], ["101", "101", "11", "20"]])
        #expect(try rows(db, "SELECT id, pid, printf('%x', start), printf('%x', \"end\"), prot, flags, file, name, start_seq, end_seq FROM vmas ORDER BY id")
            == [["1", "100", "555555559000", "55555557a000", "3", "2", "0", "[heap]", "3", "0"],
                ["2", "100", "7f0000000000", "7f0000002000", "3", "34", "0", "", "4", "0"],
                ["3", "100", "7f1000000000", "7f1000004000", "1", "2", "1", "/data/db.bin", "9", "0"],
                ["4", "101", "7f0000000000", "7f0000002000", "3", "34", "0", "", "11", "20"]])
        #expect(try rows(db, "SELECT * FROM files") == [["1", "/data/db.bin", "16384"]])
        #expect(try rows(db, "SELECT id, text FROM strings ORDER BY id").map { $0[1] }
            == ["/usr/bin/app", "startup", "/data/db.bin", "work", "[heap]"])
        #expect(try rows(db, "SELECT name, value FROM metrics ORDER BY name")
            == [["events.total", "20.0"], ["meminfo.MemFree", "3964.0"], ["vmstat.pgfault", "6.0"],
                ["vmstat.pgmajfault", "2.0"]])
    }

    @Test func storesEveryEventInItsFamilyTable() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StoreFixture.build(in: dir.path)
        #expect(try rows(db, "SELECT count(*), min(seq), max(seq) FROM events") == [["20", "1", "20"]])
        #expect(try rows(db, "SELECT * FROM events WHERE seq IN (1, 12, 20) ORDER BY seq")
            == [["1", "8", "100", "100", "1000"], ["12", "1", "101", "101", "9500"], ["20", "11", "101", "101", "15000"]])
        let familyTotal = try rows(db, """
            SELECT (SELECT count(*) FROM accesses) + (SELECT count(*) FROM process_events)
                 + (SELECT count(*) FROM alloc_calls) + (SELECT count(*) FROM memory_calls)
                 + (SELECT count(*) FROM file_calls) + (SELECT count(*) FROM control_events)
            """)
        #expect(familyTotal == [["20"]])
        // One row per event: `events` and `hw_accesses` are views; the access rows of a run without
        // the hardware model have its columns (added after the load), NULL.
        #expect(try rows(db, "SELECT name, type FROM sqlite_schema WHERE name IN ('events', 'hw_accesses', 'accesses') ORDER BY name")
            == [["accesses", "table"], ["events", "view"], ["hw_accesses", "view"]])
        #expect(try rows(db, "PRAGMA user_version") == [["\(StoreSchema.version)"]] && StoreSchema.version == 9)
        #expect(try rows(db, "SELECT count(*), count(hw), count(walk), count(dram_loc), count(latency) FROM accesses")
            == [["5", "0", "0", "0", "0"]])
        #expect(try rows(db, "SELECT count(*) FROM hw_accesses") == [["0"]])
        #expect(try rows(db, "SELECT seq FROM events").map { $0[0] } == (1...20).map { "\($0)" })
        #expect(try rows(db, "SELECT seq, pid, tid, time FROM memory_calls WHERE seq = 9") == [["9", "100", "100", "7000"]])
        #expect(try rows(db, "SELECT seq, kind, printf('%x', address), size, fault, frame, vma FROM accesses ORDER BY seq")
            == [["5", "1", "7f0000000010", "8", "2", "256", "2"], ["6", "0", "7f0000000018", "8", "0", "256", "2"],
                ["12", "1", "7f0000000020", "4", "5", "257", "4"], ["13", "0", "7f1000002010", "8", "3", "514", "3"],
                ["18", "1", "7f0000000010", "8", "2", "258", "2"]])
        #expect(try rows(db, "SELECT seq, op, process, thread, image, status, result_pid, pages, errno FROM process_events ORDER BY seq")
            == [["1", "0", "0", "0", "1", "0", "100", "0", "0"], ["11", "1", "101", "101", "0", "0", "101", "1", "0"],
                ["20", "3", "0", "0", "0", "0", "101", "1", "0"]])
        #expect(try rows(db, "SELECT seq, op, pointer, size, count, alignment, result, error, block_size, live_bytes FROM alloc_calls ORDER BY seq")
            == [["7", "0", "0", "100", "0", "0", String(0x5555_5555_9010), "0", "112", "100"],
                ["19", "4", String(0x5555_5555_9010), "0", "0", "0", "0", "0", "0", "0"]])
        #expect(try rows(db, "SELECT seq, op, length, flags, file, recorded_result, result, errno, vma, pages_freed, pages_populated, pages_written FROM memory_calls WHERE seq IN (9, 16, 17) ORDER BY seq")
            == [["9", "0", "16384", "32770", "1", String(0x7f10_0000_0000), String(0x7f10_0000_0000), "0", "3", "0", "2", "0"],
                ["16", "1", "4096", "0", "0", "-22", "-22", "22", "0", "0", "0", "0"],
                ["17", "4", "8192", "4", "0", "0", "0", "0", "2", "1", "0", "0"]])
        #expect(try rows(db, "SELECT seq, op, file, path, offset, length, size, flags, result, pages_cached, pages_read, pages_changed, pages_dirtied, pages_written, pages_dropped FROM file_calls ORDER BY seq")
            == [["8", "0", "1", "3", "0", "0", "16384", "0", "3", "0", "0", "0", "0", "0", "0"],
                ["14", "2", "1", "0", "0", "8192", "0", "0", "8192", "2", "0", "0", "0", "0", "0"],
                ["15", "2", "1", "0", "8192", "8192", "0", "0", "8192", "1", "1", "0", "0", "0", "0"]])
        #expect(try rows(db, "SELECT seq, op, name, key, value, target FROM control_events ORDER BY seq")
            == [["2", "0", "2", "0", "0", "0"], ["10", "0", "4", "0", "0", "0"]])
        #expect(try rows(db, "SELECT seq, pid, printf('%x', address), kind, vma, frame FROM faults ORDER BY id")
            == [["5", "100", "7f0000000000", "2", "2", "256"], ["9", "100", "7f1000000000", "4", "3", "512"],
                ["9", "100", "7f1000001000", "4", "3", "513"], ["12", "101", "7f0000000000", "5", "4", "257"],
                ["13", "100", "7f1000002000", "3", "3", "514"], ["18", "100", "7f0000000000", "2", "2", "258"]])
        #expect(try rows(db, "SELECT * FROM counter_names ORDER BY id")
            == [["0", "meminfo.MemFree"], ["1", "vmstat.pgfault"], ["2", "vmstat.pgmajfault"]])
        #expect(try rows(db, "SELECT seq, time, counter, value FROM counter_samples ORDER BY rowid").count == 9)
        #expect(try rows(db, "SELECT * FROM process_samples ORDER BY rowid")
            == [["6", "100", "1", "0", "0", "35"], ["18", "100", "1", "3", "0", "39"], ["18", "101", "1", "0", "0", "2"],
                ["20", "100", "1", "3", "0", "39"]])
    }

    @Test func enumTablesMatchTheSwiftEnums() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StoreFixture.build(in: dir.path)
        #expect(try rows(db, "SELECT id, name, family FROM event_kinds ORDER BY id")
            == EventKind.allCases.map { [String($0.rawValue), $0.name, $0.family] })
        #expect(try rows(db, "SELECT id, name FROM fault_kinds ORDER BY id")
            == FaultKind.allCases.map { [String($0.rawValue), $0.name] })
        #expect(try rows(db, "SELECT name FROM fault_kinds WHERE is_major ORDER BY id").map { $0[0] }
            == FaultKind.allCases.filter(\.isMajor).map(\.name))
        #expect(try rows(db, "SELECT name FROM fault_kinds WHERE is_signal ORDER BY id").map { $0[0] }
            == FaultKind.allCases.filter(\.isSignal).map(\.name))
        #expect(try rows(db, "SELECT name FROM fault_kinds WHERE is_signal AND id >= 32 AND id <= 34 ORDER BY id")
            == [["segv_maperr"], ["segv_accerr"], ["sigbus"]])
        #expect(try rows(db, "SELECT name FROM memory_ops ORDER BY id").map { $0[0] } == MemoryOp.allCases.map(\.name))
        #expect(try rows(db, "SELECT name FROM access_kinds ORDER BY id").map { $0[0] } == AccessKind.allCases.map(\.name))
        #expect(try rows(db, "SELECT name FROM process_ops ORDER BY id").map { $0[0] } == ProcessOp.allCases.map(\.name))
        #expect(try rows(db, "SELECT name FROM alloc_ops ORDER BY id").map { $0[0] } == AllocOp.allCases.map(\.name))
        #expect(try rows(db, "SELECT name FROM file_ops ORDER BY id").map { $0[0] } == FileOp.allCases.map(\.name))
        #expect(try rows(db, "SELECT name FROM control_ops ORDER BY id").map { $0[0] } == ControlOp.allCases.map(\.name))
        #expect(try rows(db, "SELECT name FROM errnos WHERE id IN (12, 22) ORDER BY id") == [["ENOMEM"], ["EINVAL"]])
    }

    @Test func viewsGiveReadableNames() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StoreFixture.build(in: dir.path)
        #expect(try rows(db, "SELECT seq, kind, family, pid, tid, time FROM v_events WHERE seq IN (2, 16) ORDER BY seq")
            == [["2", "phase", "control", "100", "100", "2000"], ["16", "munmap", "memory", "100", "100", "12000"]])
        #expect(try rows(db, "SELECT seq, pid, kind, fault, vma FROM v_accesses WHERE seq = 12")
            == [["12", "101", "store", "cow_copy", "4"]])
        #expect(try rows(db, "SELECT seq, kind, vma_name FROM v_faults WHERE seq = 9 ORDER BY id")
            == [["9", "file_major", "/data/db.bin"], ["9", "file_major", "/data/db.bin"]])
        #expect(try rows(db, "SELECT seq, op, name, result, errno, errno_name FROM v_memory_calls WHERE seq IN (3, 16)")
            == [["3", "region", "[heap]", "0", "0", "NULL"], ["16", "munmap", "NULL", "-22", "22", "EINVAL"]])
        #expect(try rows(db, "SELECT seq, op, block_size, live_bytes FROM v_alloc_calls")
            == [["7", "malloc", "112", "100"], ["19", "free", "0", "0"]])
        #expect(try rows(db, "SELECT seq, op, path, pages_cached, pages_read FROM v_file_calls WHERE seq = 15")
            == [["15", "read", "/data/db.bin", "1", "1"]])
        #expect(try rows(db, "SELECT name, start_seq, end_seq, start_time FROM v_phases")
            == [["startup", "2", "10", "2000"], ["work", "10", "21", "8000"]])
        #expect(try rows(db, "SELECT seq, counter, value FROM v_counters WHERE seq = 18 ORDER BY counter")
            == [["18", "meminfo.MemFree", "990"], ["18", "vmstat.pgfault", "6"], ["18", "vmstat.pgmajfault", "2"]])
        #expect(try rows(db, "SELECT * FROM v_rss WHERE seq = 18 ORDER BY pid")
            == [["18", "100", "16", "4", "12", "0", "156"], ["18", "101", "4", "4", "0", "0", "8"]])
        #expect(try rows(db, "SELECT seq, op, name FROM v_control_events") == [["2", "phase", "startup"], ["10", "phase", "work"]])
    }

    @Test func finalPathAppearsOnlyAfterFinish() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/run.db"
        let store = try SQLiteStore(path: path)
        #expect(store.temporaryPath == path + ".tmp-\(getpid())")
        // The temporary database and the side file of the access rows' pages (docs/schema.md).
        #expect(dir.contents() == ["run.db.tmp-\(getpid())", "run.db.tmp-\(getpid()).accesses"])
        try store.begin(StoreFixture.run)
        try store.declareCounters(StoreFixture.counters)
        #expect(!dir.exists("run.db"))
        try store.finish(metrics: [], endedAt: 0)
        #expect(dir.contents() == ["run.db"])
        #expect(try rows(path, "SELECT count(*) FROM events") == [["0"]])
        #expect(throws: StoreError.self) { try store.begin(StoreFixture.run) }
    }

    @Test func abortRemovesTheTemporaryFileAndKeepsTheOldDatabase() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/run.db"
        let store = try SQLiteStore(path: path)
        try store.begin(StoreFixture.run)
        try store.declareCounters(StoreFixture.counters)
        try store.record(Outcome(seq: 1, record: TraceRecord(time: 0, pid: ProcessID(1), tid: ThreadID(1),
            event: .access(MemoryAccess(kind: .load, address: VirtualAddress(0x1000), size: 8))),
            detail: .access(Translation(fault: .segvMapErr, frame: PageFrameNumber(0), vma: .none), hardware: .none)))
        #expect(dir.exists("run.db.tmp-\(getpid())"))
        store.abort()
        #expect(dir.contents().isEmpty)
        #expect(throws: StoreError.self) { try store.finish(metrics: [], endedAt: 0) }
        #expect(dir.contents().isEmpty)

        // An existing database survives an aborted replay over it.
        _ = try StoreFixture.build(in: dir.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let second = try SQLiteStore(path: path)
        try second.begin(StoreFixture.run)
        second.abort()
        #expect(dir.contents() == ["run.db"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func droppingAnUnfinishedStoreRemovesTheTemporaryFile() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let store = try SQLiteStore(path: dir.path + "/run.db")
            try store.begin(StoreFixture.run)
            #expect(dir.contents().count == 2)  // the database and the access pages' side file
        }
        #expect(dir.contents().isEmpty)
    }

    @Test func identicalCallSequencesGiveIdenticalTables() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = try StoreFixture.build(in: dir.path, name: "a.db")
        var store = try SQLiteStore(path: dir.path + "/b.db")
        try StoreFixture.drive(&store, endedAt: 1_800_000_000)
        let b = dir.path + "/b.db"
        let tables = try rows(a, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .map { $0[0] }
        // 26 base tables (schema 7: `events` is a view) + tlb_outcomes, memory_levels, dram_outcomes;
        // alloc_outcomes, alloc_paths; zone_types, vma_changes; oom_kills, oom_candidates; stalls;
        // stack_objects, functions, stacks, frames, allocations, stack_chain, recorder_stacks (schema 9);
        // the 8 summary tables (schema 8, and fault_pages since 9: 7 of them WITHOUT ROWID, ordered by their key)
        #expect(tables.count == 26 + 3 + 2 + 2 + 2 + 1 + 7 + 8)
        let withoutRowid: Set = ["access_summary", "event_summary", "fault_summary", "latency_histogram", "dram_summary",
                                 "alloc_path_summary", "fault_pages", "stack_chain"]
        for table in tables {
            let columns = table == "runs"
                ? "id, tool_version, trace_path, trace_hash, config_json, trace_header_json, events" : "*"
            let order = table == "metrics" ? "run, name" : table == "frames" ? "stack, inline"
                : withoutRowid.contains(table) ? "1, 2, 3" : "rowid"
            let sql = "SELECT \(columns) FROM \(table) ORDER BY \(order)"
            #expect(try QueryRunner.execute(database: a, sql: sql) == QueryRunner.execute(database: b, sql: sql),
                    "table \(table)")
        }
        #expect(try rows(a, "SELECT ended_at FROM runs") != rows(b, "SELECT ended_at FROM runs"))
    }

    @Test func aMissingDirectoryIsAClearError() throws {
        let error = #expect(throws: StoreError.self) { _ = try SQLiteStore(path: "/nonexistent-dir-memstore/run.db") }
        #expect(error?.description.hasPrefix("/nonexistent-dir-memstore/run.db: ") == true)
    }
}
