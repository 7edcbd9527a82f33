import CSQLite
import Foundation
import Testing
import MemModel
import MemReplay
@testable import MemTrace
@testable import MemStore

/// The stack tables of the run database (schema 8): the trie, depths, objects that cannot be
/// symbolized (missing, another build-id) named by object and offset with the reason, the stack
/// columns of `alloc_calls` and `faults`, and `v_allocations` through realloc, fork, failed calls
/// and free(NULL).
@Suite struct StackStoreTests {
    static let header = TraceHeader(producer: "stack-store-tests", producerVersion: "1", commandLine: [],
                                    processes: [InitialProcess(pid: 1, executable: "/bin/prog")])

    /// Replays `records` (and `stacks`) as recorded into a new database in `dir`.
    static func replay(_ records: [TraceRecord], stacks: StackTable = StackTable(), symbolize: Bool = true,
                       allocationRows: Bool = true, in dir: TemporaryDirectory) throws -> String {
        let db = dir.path + "/stacks-\(allocationRows).db"
        var source = ArrayTraceSource(header: header, records: records, stacks: stacks)
        let machine = MachineConfiguration.presets["small-8g"]!
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine), user: RecordedHeap(), hardware: NoHardware(),
                                  snapshotInterval: machine.snapshotInterval)
        let info = RunInfo(toolVersion: "test", tracePath: "stacks.mrt", traceHash: "fnv1a64:0", configurationJSON: "{}",
                           traceHeaderJSON: "{}", startedAt: 1_700_000_000)
        var sink = try SQLiteStore(path: db)
        sink.symbolizeStacks = symbolize
        sink.allocationRows = allocationRows
        _ = try engine.run(&source, into: &sink, run: info, endedAt: { 1_700_000_001 })
        return db
    }

    static func call(_ pid: UInt32, _ a: AllocationCall) -> TraceRecord {
        TraceRecord(time: 1, pid: ProcessID(pid), tid: ThreadID(pid), event: .alloc(a))
    }

    /// Objects that cannot be read: one missing from disk, one whose file has another build-id
    /// than recorded, and a frame in no object.
    static func table() -> StackTable {
        var t = StackTable()
        t.append(StackObject(id: ObjectID(1), path: "/nonexistent/libgone.so.1", buildID: [1, 2, 3, 4], low: 0, high: 0x10000))
        t.append(StackObject(id: ObjectID(2), path: "/usr/bin/true", buildID: [0xde, 0xad, 0xbe, 0xef], low: 0, high: 0x8000))
        t.append(StackObject(id: ObjectID(3), path: "/nonexistent/unused.so", buildID: [], low: 0, high: 0x1000))
        t.append(StackNode(id: StackID(1), parent: .none, object: ObjectID(1), offset: 0x1234))
        t.append(StackNode(id: StackID(2), parent: StackID(1), object: ObjectID(2), offset: 0x10))
        t.append(StackNode(id: StackID(3), parent: StackID(2), object: .none, offset: 0x7fff_0000))
        t.append(StackNode(id: StackID(4), parent: StackID(1), object: ObjectID(1), offset: 0x2000))
        return t
    }

    @Test func tablesAreEmptyWithoutStacks() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try Self.replay([Self.call(1, AllocationCall(op: .malloc, size: 8, result: VirtualAddress(0x1000)))], in: dir)
        for table in ["stack_objects", "functions", "stacks", "frames"] {
            #expect(try rows(db, "SELECT count(*) FROM \(table)") == [["0"]], "\(table)")
        }
        #expect(try rows(db, "SELECT stack FROM alloc_calls") == [["0"]])
        #expect(try rows(db, "SELECT count(*) FROM v_stack_frames") == [["0"]])
        #expect(try StackTablesCheck.violations(database: db) == [])
    }

    @Test func unreadableObjectsKeepObjectAndOffsetWithAReason() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let records = [Self.call(1, AllocationCall(op: .malloc, size: 8, result: VirtualAddress(0x1000), stack: StackID(3))),
                       Self.call(1, AllocationCall(op: .free, pointer: VirtualAddress(0x1000), stack: StackID(4)))]
        let db = try Self.replay(records, stacks: Self.table(), in: dir)
        #expect(try rows(db, "SELECT id, parent, object, offset, depth FROM stacks ORDER BY id")
            == [["1", "0", "1", "\(0x1234)", "1"], ["2", "1", "2", "16", "2"], ["3", "2", "0", "\(0x7fff_0000)", "3"],
                ["4", "1", "1", "\(0x2000)", "2"]])
        #expect(try rows(db, "SELECT seq, stack FROM alloc_calls ORDER BY seq") == [["1", "3"], ["2", "4"]])
        let objects = try rows(db, "SELECT id, path, build_id, symbols FROM stack_objects ORDER BY id")
        #expect(objects.map { Array($0.prefix(3)) } == [["1", "/nonexistent/libgone.so.1", "01020304"],
                                                        ["2", "/usr/bin/true", "deadbeef"], ["3", "/nonexistent/unused.so", ""]])
        #expect(objects[0][3].hasPrefix("none: /nonexistent/libgone.so.1"), "\(objects[0])")
        if FileManager.default.fileExists(atPath: "/usr/bin/true") {
            #expect(objects[1][3].hasPrefix("none: ") && objects[1][3].contains("differs from the recorded deadbeef"), "\(objects[1])")
        }
        #expect(objects[2][3] == "none: no frame in it")
        #expect(try rows(db, "SELECT position, node, function, file, line, object_path, offset FROM v_stack_frames WHERE stack = 3 ORDER BY position")
            == [["0", "3", "??+0x7fff0000", "NULL", "0", "NULL", "\(0x7fff_0000)"],
                ["1", "2", "true+0x10", "NULL", "0", "/usr/bin/true", "16"],
                ["2", "1", "libgone.so.1+0x1234", "NULL", "0", "/nonexistent/libgone.so.1", "\(0x1234)"]])
        #expect(try rows(db, "SELECT name, raw_name, object FROM functions ORDER BY id")
            == [["libgone.so.1+0x1234", "NULL", "1"], ["true+0x10", "NULL", "2"], ["??+0x7fff0000", "NULL", "0"],
                ["libgone.so.1+0x2000", "NULL", "1"]])
        #expect(try StackTablesCheck.violations(database: db) == [])
    }

    /// The checker finds each kind of damage in a database whose stack tables were edited.
    @Test func invariantCheckerFindsBrokenTables() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try Self.replay([Self.call(1, AllocationCall(op: .malloc, size: 8, result: VirtualAddress(0x1000), stack: StackID(3)))],
                                 stacks: Self.table(), symbolize: false, in: dir)
        try edit(db, """
            UPDATE stacks SET depth = 7 WHERE id = 2; INSERT INTO stacks VALUES (9, 8, 1, 0, 1);
            DELETE FROM frames WHERE stack = 4; INSERT INTO frames VALUES (1, 2, 1, NULL, 0);
            UPDATE alloc_calls SET stack = 99; UPDATE stack_chain SET position = 5 WHERE stack = 3 AND level = 1;
            DELETE FROM stack_chain WHERE stack = 3 AND level = 2;
            INSERT INTO recorder_stacks VALUES (77);
            """)
        let problems = try StackTablesCheck.violations(database: db)
        for expected in ["parent is not a stack", "depth is not", "without a frame row", "dense from 0", "naming a stack not in stacks",
                         "one per level", "path to the root", "recorder_stacks naming no stack"] {
            #expect(problems.contains { $0.contains(expected) }, "\(expected): \(problems)")
        }
    }

    /// Realloc in place and moved, a failed malloc and a failed realloc, free(NULL), calloc's
    /// count × size, realloc(p, 0), and a fork: the child's free of an inherited block releases
    /// none of the parent's rows, its own block at the same address is its own row.
    @Test func allocationsViewFollowsEachBlock() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        func a(_ op: AllocOp, _ pointer: UInt64 = 0, size: UInt64 = 0, count: UInt64 = 0, result: UInt64 = 0,
               error: Int32 = 0, stack: UInt32 = 0) -> AllocationCall {
            AllocationCall(op: op, pointer: VirtualAddress(pointer), size: size, count: count, result: VirtualAddress(result),
                           error: error, stack: StackID(stack))
        }
        let fork = TraceRecord(time: 1, pid: ProcessID(1), tid: ThreadID(1),
                               event: .process(ProcessEvent(op: .fork, process: ProcessID(2), thread: ThreadID(2))))
        let records = [
            Self.call(1, a(.malloc, size: 100, result: 0x1000, stack: 1)),               // 1
            Self.call(1, a(.calloc, size: 8, count: 10, result: 0x2000)),                // 2
            Self.call(1, a(.malloc, size: 50, error: 12)),                               // 3 failed
            Self.call(1, a(.free, 0)),                                                   // 4 free(NULL)
            Self.call(1, a(.realloc, 0x1000, size: 200, result: 0x1000, stack: 2)),      // 5 in place
            Self.call(1, a(.realloc, 0x2000, size: 300, result: 0x3000)),                // 6 moved
            Self.call(1, a(.realloc, 0x3000, size: 1 << 40, error: 12)),                 // 7 failed: keeps 0x3000
            fork,                                                                        // 8
            Self.call(2, a(.free, 0x1000, stack: 3)),                                    // 9 child frees its copy
            Self.call(2, a(.malloc, size: 16, result: 0x1000)),                          // 10 child's own block
            Self.call(1, a(.free, 0x1000, stack: 4)),                                    // 11 parent frees
            Self.call(2, a(.realloc, 0x1000, size: 0)),                                  // 12 realloc(p, 0) frees
            Self.call(1, a(.memalign, size: 64, result: 0x4000)),                        // 13 never freed
        ]
        // The same rows from the table the store writes and from the window over alloc_calls.
        for allocationRows in [true, false] {
            let db = try Self.replay(records, allocationRows: allocationRows, in: dir)
            #expect(try rows(db, "SELECT count(*) FROM allocations") == [[allocationRows ? "6" : "0"]])
            #expect(try rows(db, "SELECT pid, seq, stack, size, address, free_seq, free_stack FROM v_allocations ORDER BY seq")
                == [["1", "1", "1", "100", "\(0x1000)", "5", "2"], ["1", "2", "0", "80", "\(0x2000)", "6", "0"],
                    ["1", "5", "2", "200", "\(0x1000)", "11", "4"], ["1", "6", "0", "300", "\(0x3000)", "NULL", "NULL"],
                    ["2", "10", "0", "16", "\(0x1000)", "12", "0"], ["1", "13", "0", "64", "\(0x4000)", "NULL", "NULL"]])
            // The view agrees with the replay's own count of live bytes at the end.
            #expect(try rows(db, "SELECT sum(size) FROM v_allocations WHERE free_seq IS NULL") == [["364"]])
        }
    }

    /// The tracker's invariant holds through a churn of calls, and it drains in allocation order.
    @Test func trackerKeepsOneBlockPerLiveAddress() {
        var t = AllocationTracker()
        var seq: Int64 = 0
        for i in 0..<2000 {
            seq += 1
            let address = UInt64(0x1000 + (i * 7919 % 97) * 64)
            let call = i % 3 == 2 ? AllocationCall(op: .free, pointer: VirtualAddress(address))
                : AllocationCall(op: .malloc, size: UInt64(i), result: VirtualAddress(address))
            _ = t.apply(seq: seq, pid: UInt32(1 + i % 2), tid: 1, call)
            #expect(t.checkInvariants(before: seq + 1))
        }
        let drained = t.drain()
        #expect(!drained.isEmpty && drained.map(\.block.seq) == drained.map(\.block.seq).sorted() && t.live.isEmpty)
    }
}

/// Runs `sql` on the database at `path`, read-write (for damaging a database on purpose).
func edit(_ path: String, _ sql: String) throws {
    var db: OpaquePointer?
    defer { sqlite3_close(db) }
    try #require(sqlite3_open(path, &db) == SQLITE_OK)
    try #require(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK, "\(String(cString: sqlite3_errmsg(db)))")
}
