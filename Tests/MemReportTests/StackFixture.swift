import Foundation
@testable import MemStore

/// A hand-made schema-8 run database with call stacks: the store's own stack tables and views
/// (`StoreSchema.stackTables`, `stackViews`) filled by SQL with a run small enough that every
/// expected figure can be worked out by hand (comments below). Only tests use it.
///
/// The program: `main` calls `build` from two lines (100 + 200 and 50 bytes, freed at the end),
/// `churn` (16-byte blocks, three of four freed before the thread's next allocation, one of them
/// on a second thread), `leaky` whose inlined `xmalloc` leaks 1000 bytes, and `make_obj` whose
/// `operator new` leaks 24; one 8-byte leak has no stack. Live bytes peak at seq 12 (1390).
enum StackFixture {
    static let schema = """
        PRAGMA user_version = 9;
        CREATE TABLE runs (id INTEGER PRIMARY KEY, events INTEGER, trace_path TEXT);
        INSERT INTO runs VALUES (1, 22, 'sites.mrt');
        CREATE TABLE metrics (run INTEGER, name TEXT, value REAL);
        CREATE TABLE events (seq INTEGER PRIMARY KEY);
        CREATE TABLE alloc_ops (id INTEGER PRIMARY KEY, name TEXT);
        INSERT INTO alloc_ops VALUES (0, 'malloc'), (1, 'calloc'), (2, 'realloc'), (3, 'reallocarray'), (4, 'free');
        CREATE TABLE fault_kinds (id INTEGER PRIMARY KEY, name TEXT, is_major INTEGER, is_signal INTEGER);
        INSERT INTO fault_kinds VALUES (1, 'anon_new', 0, 0), (4, 'file_major', 1, 0);
        \(StoreSchema.stackTables)
        INSERT INTO stack_objects VALUES (1, '/usr/bin/app', 'ab01', 4096, 65536, 'debuginfo'),
            (2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'cd02', 8192, 16384, 'dynsym'),
            (3, '/usr/lib/x86_64-linux-gnu/libstdc++.so.6', 'ef03', 4096, 8192, 'dynsym');
        INSERT INTO functions VALUES (1, 'main', 'main', 1), (2, 'build', 'build', 1), (3, 'churn', 'churn', 1),
            (4, 'leaky', 'leaky', 1), (5, 'xmalloc', 'xmalloc', 1), (6, 'make_obj()', '_Z8make_objv', 1),
            (7, 'operator new(unsigned long)', '_Znwm', 3), (8, '__libc_start_call_main', NULL, 2);
        INSERT INTO stacks VALUES (1, 0, 2, 8400, 1), (2, 1, 1, 4200, 2), (3, 2, 1, 4100, 3), (4, 2, 1, 4150, 3),
            (5, 2, 1, 4170, 3), (6, 2, 1, 4190, 3), (7, 6, 3, 4500, 4), (8, 2, 1, 4110, 3);
        INSERT INTO frames VALUES (1, 0, 8, NULL, 0), (2, 0, 1, 'sites.c', 40), (3, 0, 2, 'sites.c', 10),
            (4, 0, 3, 'sites.c', 15), (5, 0, 5, 'sites.c', 5), (5, 1, 4, 'sites.c', 20), (6, 0, 6, 'sites.cc', 30),
            (7, 0, 7, NULL, 0), (8, 0, 2, 'sites.c', 11);
        CREATE TABLE alloc_calls (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, tid INTEGER NOT NULL,
            time INTEGER NOT NULL, op INTEGER NOT NULL, pointer INTEGER NOT NULL, size INTEGER NOT NULL,
            count INTEGER NOT NULL, alignment INTEGER NOT NULL, result INTEGER NOT NULL, error INTEGER NOT NULL,
            block_size INTEGER NOT NULL, live_bytes INTEGER NOT NULL, stack INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE faults (id INTEGER PRIMARY KEY, seq INTEGER, pid INTEGER, kind INTEGER, stack INTEGER NOT NULL DEFAULT 0);
        INSERT INTO faults (seq, pid, kind, stack) VALUES (1, 100, 1, 3), (12, 100, 4, 3), (12, 100, 1, 3),
            (8, 100, 1, 5), (14, 100, 1, 0), (15, 100, 1, 0);
        -- The calls (seq, pid, tid, time, op, pointer, size, count, alignment, result, error, block_size,
        -- live_bytes, stack): allocations (op 0) at the addresses below, frees (op 4), and the live bytes
        -- after each call. Blocks: seq 1 at 4096 freed at 20, 2 at 8192 (21), 3, 5, 7 at 12288 (4, 6, 9),
        -- 8 at 16384, 10 at 20480 and 14 at 32768 never freed, 11 at 24576 (13), 12 at 28672 (22).
        INSERT INTO alloc_calls VALUES
            (1, 100, 100, 1, 0, 0, 100, 1, 0, 4096, 0, 100, 100, 3), (2, 100, 100, 2, 0, 0, 50, 1, 0, 8192, 0, 50, 150, 8),
            (3, 100, 100, 3, 0, 0, 16, 1, 0, 12288, 0, 16, 166, 4), (4, 100, 100, 4, 4, 12288, 0, 1, 0, 0, 0, 0, 150, 4),
            (5, 100, 100, 5, 0, 0, 16, 1, 0, 12288, 0, 16, 166, 4), (6, 100, 100, 6, 4, 12288, 0, 1, 0, 0, 0, 0, 150, 4),
            (7, 100, 100, 7, 0, 0, 16, 1, 0, 12288, 0, 16, 166, 4), (8, 100, 100, 8, 0, 0, 1000, 1, 0, 16384, 0, 1000, 1166, 5),
            (9, 100, 100, 9, 4, 12288, 0, 1, 0, 0, 0, 0, 1150, 4), (10, 100, 100, 10, 0, 0, 24, 1, 0, 20480, 0, 24, 1174, 7),
            (11, 100, 101, 11, 0, 0, 16, 1, 0, 24576, 0, 16, 1190, 4), (12, 100, 100, 12, 0, 0, 200, 1, 0, 28672, 0, 200, 1390, 3),
            (13, 100, 101, 13, 4, 24576, 0, 1, 0, 0, 0, 0, 1374, 4), (14, 100, 100, 14, 0, 0, 8, 1, 0, 32768, 0, 8, 1382, 0),
            (20, 100, 100, 20, 4, 4096, 0, 1, 0, 0, 0, 0, 1282, 2), (21, 100, 100, 21, 4, 8192, 0, 1, 0, 0, 0, 0, 1232, 2),
            (22, 100, 100, 22, 4, 28672, 0, 1, 0, 0, 0, 0, 1032, 2);
        \(StoreSchema.fillStackChain)
        \(StoreSchema.stackViews(allocationRows: false))
        """

    /// Writes the database into `directory` and returns its path.
    static func build(in directory: String, name: String = "stacks.db", extraSQL: String = "") throws -> String {
        let path = directory + "/" + name
        let db = try SQLiteDatabase(path: path, flags: 0x2 | 0x4)  // SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        try db.exec(schema + extraSQL)
        db.close()
        return path
    }
}
