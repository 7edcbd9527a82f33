import Foundation
@testable import MemStore

/// A hand-made schema-8 run database with call stacks, written with SQL from the contract
/// (the `stacks`, `frames`, `functions`, `stack_objects` tables, `alloc_calls.stack`,
/// `faults.stack`, the views `v_stack_frames` and `v_allocations`), small enough that every
/// expected figure can be worked out by hand (comments below). Only tests use it.
///
/// The program: `main` calls `build` from two lines (100 + 200 and 50 bytes, freed at the end),
/// `churn` (16-byte blocks, three of four freed before the thread's next allocation, one of them
/// on a second thread), `leaky` whose inlined `xmalloc` leaks 1000 bytes, and `make_obj` whose
/// `operator new` leaks 24; one 8-byte leak has no stack. Live bytes peak at seq 12 (1390).
enum StackFixture {
    static let schema = """
        PRAGMA user_version = 8;
        CREATE TABLE runs (id INTEGER PRIMARY KEY, events INTEGER, trace_path TEXT);
        INSERT INTO runs VALUES (1, 22, 'sites.mrt');
        CREATE TABLE metrics (run INTEGER, name TEXT, value REAL);
        CREATE TABLE events (seq INTEGER PRIMARY KEY);
        CREATE TABLE alloc_ops (id INTEGER PRIMARY KEY, name TEXT);
        INSERT INTO alloc_ops VALUES (0, 'malloc'), (1, 'free');
        CREATE TABLE fault_kinds (id INTEGER PRIMARY KEY, name TEXT, is_major INTEGER, is_signal INTEGER);
        INSERT INTO fault_kinds VALUES (1, 'anon_new', 0, 0), (4, 'file_major', 1, 0);
        CREATE TABLE stack_objects (id INTEGER PRIMARY KEY, path TEXT NOT NULL, build_id TEXT NOT NULL,
            low INTEGER NOT NULL, high INTEGER NOT NULL, symbols TEXT NOT NULL);
        INSERT INTO stack_objects VALUES (1, '/usr/bin/app', 'ab01', 4096, 65536, 'debuginfo'),
            (2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'cd02', 8192, 16384, 'dynsym'),
            (3, '/usr/lib/x86_64-linux-gnu/libstdc++.so.6', 'ef03', 4096, 8192, 'dynsym');
        CREATE TABLE functions (id INTEGER PRIMARY KEY, name TEXT NOT NULL, raw_name TEXT,
            object INTEGER NOT NULL, UNIQUE (name, object));
        INSERT INTO functions VALUES (1, 'main', 'main', 1), (2, 'build', 'build', 1), (3, 'churn', 'churn', 1),
            (4, 'leaky', 'leaky', 1), (5, 'xmalloc', 'xmalloc', 1), (6, 'make_obj()', '_Z8make_objv', 1),
            (7, 'operator new(unsigned long)', '_Znwm', 3), (8, '__libc_start_call_main', NULL, 2);
        CREATE TABLE stacks (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL, object INTEGER NOT NULL,
            offset INTEGER NOT NULL, depth INTEGER NOT NULL);
        INSERT INTO stacks VALUES (1, 0, 2, 8400, 1), (2, 1, 1, 4200, 2), (3, 2, 1, 4100, 3), (4, 2, 1, 4150, 3),
            (5, 2, 1, 4170, 3), (6, 2, 1, 4190, 3), (7, 6, 3, 4500, 4), (8, 2, 1, 4110, 3);
        CREATE TABLE frames (stack INTEGER NOT NULL, inline INTEGER NOT NULL, function INTEGER NOT NULL,
            file TEXT, line INTEGER NOT NULL, PRIMARY KEY (stack, inline)) WITHOUT ROWID;
        INSERT INTO frames VALUES (1, 0, 8, NULL, 0), (2, 0, 1, 'sites.c', 40), (3, 0, 2, 'sites.c', 10),
            (4, 0, 3, 'sites.c', 15), (5, 0, 5, 'sites.c', 5), (5, 1, 4, 'sites.c', 20), (6, 0, 6, 'sites.cc', 30),
            (7, 0, 7, NULL, 0), (8, 0, 2, 'sites.c', 11);
        CREATE TABLE alloc_calls (seq INTEGER PRIMARY KEY, pid INTEGER, tid INTEGER, op INTEGER, size INTEGER,
            live_bytes INTEGER, stack INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE faults (id INTEGER PRIMARY KEY, seq INTEGER, pid INTEGER, kind INTEGER, stack INTEGER NOT NULL DEFAULT 0);
        INSERT INTO faults (seq, pid, kind, stack) VALUES (1, 100, 1, 3), (12, 100, 4, 3), (12, 100, 1, 3),
            (8, 100, 1, 5), (14, 100, 1, 0), (15, 100, 1, 0);
        -- The allocations: (pid, tid, seq, stack, size, address, free_seq, free_stack).
        CREATE TABLE allocations (pid INTEGER, tid INTEGER, seq INTEGER PRIMARY KEY, stack INTEGER, size INTEGER,
            address INTEGER, free_seq INTEGER, free_stack INTEGER);
        INSERT INTO allocations VALUES
            (100, 100, 1, 3, 100, 4096, 20, 2), (100, 100, 2, 8, 50, 8192, 21, 2), (100, 100, 3, 4, 16, 12288, 4, 4),
            (100, 100, 5, 4, 16, 12288, 6, 4), (100, 100, 7, 4, 16, 12288, 9, 4), (100, 100, 8, 5, 1000, 16384, NULL, NULL),
            (100, 100, 10, 7, 24, 20480, NULL, NULL), (100, 101, 11, 4, 16, 24576, 13, 4),
            (100, 100, 12, 3, 200, 28672, 22, 2), (100, 100, 14, 0, 8, 32768, NULL, NULL);
        -- alloc_calls: the allocations (op 0) and the frees (op 1) with the live bytes after each.
        INSERT INTO alloc_calls VALUES (1, 100, 100, 0, 100, 100, 3), (2, 100, 100, 0, 50, 150, 8),
            (3, 100, 100, 0, 16, 166, 4), (4, 100, 100, 1, 0, 150, 4), (5, 100, 100, 0, 16, 166, 4),
            (6, 100, 100, 1, 0, 150, 4), (7, 100, 100, 0, 16, 166, 4), (8, 100, 100, 0, 1000, 1166, 5),
            (9, 100, 100, 1, 0, 1150, 4), (10, 100, 100, 0, 24, 1174, 7), (11, 100, 101, 0, 16, 1190, 4),
            (12, 100, 100, 0, 200, 1390, 3), (13, 100, 101, 1, 0, 1374, 4), (14, 100, 100, 0, 8, 1382, 0),
            (20, 100, 100, 1, 0, 1282, 2), (21, 100, 100, 1, 0, 1232, 2), (22, 100, 100, 1, 0, 1032, 2);
        CREATE VIEW v_allocations AS SELECT pid, tid, seq, stack, size, address, free_seq, free_stack FROM allocations;
        CREATE VIEW v_stack_frames (stack, position, node, function, file, line, object_path, offset) AS
            WITH RECURSIVE chain (stack, node, level) AS (
                SELECT id, id, 0 FROM stacks
                UNION ALL SELECT c.stack, s.parent, c.level + 1 FROM chain c JOIN stacks s ON s.id = c.node WHERE s.parent <> 0)
            SELECT c.stack, row_number() OVER (PARTITION BY c.stack ORDER BY c.level, fr.inline) - 1, c.node, fn.name,
                   fr.file, fr.line, o.path, st.offset
            FROM chain c JOIN stacks st ON st.id = c.node JOIN frames fr ON fr.stack = c.node
            JOIN functions fn ON fn.id = fr.function JOIN stack_objects o ON o.id = st.object;
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
