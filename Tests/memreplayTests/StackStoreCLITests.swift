import Foundation
import MemStore
import TestSupport
import Testing

/// `record --stacks dwarf` then `replay`: the stack tables name the C fixture's functions with
/// addr2line's file and line (the inlined helper as an inline frame above its caller), the leaked
/// bytes per site, demangled C++ names, CPython's own C frames; `--no-symbolize`.
@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/addr2line")))
struct StackStoreCLITests {
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/Fixtures/stacks")

    /// Compiles `source` with `compiler` and `flags`, records it with dwarf stacks and replays it;
    /// returns the program and the run database.
    static func recordAndReplay(_ source: String, compiler: String = "/usr/bin/gcc", flags: [String],
                                replayFlags: [String] = [], in dir: URL) throws -> (program: String, db: String, stdout: String) {
        let program = dir.appendingPathComponent((source as NSString).deletingPathExtension).path
        let cc = try Subprocess.run(compiler, flags + ["-o", program, fixtures.appendingPathComponent(source).path])
        try #require(cc.status == 0, "\(cc)")
        return try recordAndReplay(command: [program], replayFlags: replayFlags, in: dir)
    }

    /// Records `command` with dwarf stacks and replays it.
    static func recordAndReplay(command: [String], replayFlags: [String] = [], in dir: URL) throws -> (program: String, db: String, stdout: String) {
        let trace = dir.appendingPathComponent("stk.mrt").path, db = dir.appendingPathComponent("stk.db").path
        let r = try CLI.run(["record", "--accesses", "none", "--stacks", "dwarf", "-o", trace, "--"] + command)
        try #require(r.status == 0, "\(r.stderr)")
        let p = try CLI.run(["replay", trace, "-o", db] + replayFlags)
        try #require(p.status == 0, "\(p.stderr)")
        #expect(try StackTablesCheck.violations(database: db) == [])
        return (command[0], db, p.stdout)
    }

    static func rows(_ db: String, _ sql: String) throws -> [[String]] {
        let r = try QueryRunner.execute(database: db, sql: sql)
        return (r.first?.rows ?? []).map { row in
            row.map { v -> String in
                switch v {
                case .null: "NULL"
                case .integer(let i): "\(i)"
                case .real(let d): "\(d)"
                case .text(let t): t
                case .blob: "blob"
                }
            }
        }
    }

    /// Each leaf node in the program: its symbolized frames (function, file:line) in
    /// `v_stack_frames` equal addr2line's for the same pc (the return address − 1).
    @Test func cFixtureFramesMatchAddr2line() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let got = try Self.recordAndReplay("sites.c", flags: ["-O2", "-g"], in: dir)
        #expect(got.stdout.contains("stacks: ") && got.stdout.contains("frames resolved to functions"), "\(got.stdout)")
        let leaves = try Self.rows(got.db, """
            SELECT DISTINCT s.id, s.offset FROM alloc_calls a JOIN stacks s ON s.id = a.stack
            JOIN stack_objects o ON o.id = s.object WHERE o.path = '\(got.program)' ORDER BY s.id
            """)
        try #require(leaves.count >= 4, "\(leaves)")
        for leaf in leaves {
            let pc = "0x" + String(UInt64(leaf[1])! - 1, radix: 16)
            let want = try Subprocess.run("/usr/bin/addr2line", ["-f", "-i", "-C", "-e", got.program, pc])
            let lines = want.stdout.split(separator: "\n").map(String.init)
            let stored = try Self.rows(got.db, """
                SELECT function, file, line FROM v_stack_frames WHERE stack = \(leaf[0]) AND node = \(leaf[0]) ORDER BY position
                """)
            try #require(lines.count == 2 * stored.count, "\(pc): addr2line \(lines), stored \(stored)")
            for (i, row) in stored.enumerated() {
                let position = lines[2 * i + 1].split(separator: " ")[0]   // drops "(discriminator n)"
                #expect(row[0] == lines[2 * i] && "\(row[1]):\(row[2])" == position, "\(pc) frame \(i): \(row) vs \(lines)")
            }
        }
        // Each site by name; the inlined helper sits above its caller in the same node.
        let sites = try Self.rows(got.db, """
            SELECT DISTINCT f.function, f.line, g.function FROM alloc_calls a
            JOIN v_stack_frames f ON f.stack = a.stack AND f.position = 0
            LEFT JOIN v_stack_frames g ON g.stack = a.stack AND g.position = 1 AND g.node = f.node
            WHERE a.op = 0 AND a.size IN (100, 200, 300) ORDER BY f.function
            """)
        #expect(sites.map(\.[0]) == ["alloc_a", "alloc_b", "make_buffer"], "\(sites)")
        #expect(sites.last.map { $0[1] == "21" && $0[2] == "use_inline" } == true, "\(sites)")
        #expect(try Self.rows(got.db, "SELECT symbols FROM stack_objects WHERE path = '\(got.program)'") == [["debuginfo"]])
        // Leaks by site: alloc_a's three blocks of 100 bytes; alloc_b and the helper freed theirs.
        let leaked = try Self.rows(got.db, """
            SELECT f.function, sum(v.size) FROM v_allocations v JOIN v_stack_frames f ON f.stack = v.stack AND f.position = 0
            WHERE v.free_seq IS NULL AND f.function IN ('alloc_a', 'alloc_b', 'make_buffer') GROUP BY f.function
            """)
        #expect(leaked == [["alloc_a", "300"]])
        #expect(try Self.rows(got.db, """
            SELECT count(*) FROM v_allocations v JOIN v_stack_frames f ON f.stack = v.stack AND f.position = 0
            WHERE f.function = 'alloc_b' AND v.free_seq IS NOT NULL AND v.free_stack != 0
            """) == [["1"]])
    }

    /// --no-symbolize: the same stacks, each frame named `<basename>+0x<offset>`, no file.
    @Test func noSymbolizeNamesFramesByObjectAndOffset() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let got = try Self.recordAndReplay("sites.c", flags: ["-O2", "-g"], replayFlags: ["--no-symbolize"], in: dir)
        #expect(got.stdout.contains("not symbolized"), "\(got.stdout)")
        let bad = try Self.rows(got.db, """
            SELECT count(*) FROM frames f JOIN functions fn ON fn.id = f.function JOIN stacks s ON s.id = f.stack
            WHERE f.inline != 0 OR f.file IS NOT NULL OR fn.name NOT LIKE '%+0x' || printf('%x', s.offset)
            """)
        #expect(bad == [["0"]])
        #expect(try Self.rows(got.db, "SELECT DISTINCT symbols FROM stack_objects") == [[StackSymbolization.notSymbolized]])
    }

    /// C++: a function of a class template in a namespace and a lambda, demangled.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/g++")))
    func cxxNamesAreDemangled() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let got = try Self.recordAndReplay("shapes.cpp", compiler: "/usr/bin/g++", flags: ["-O0", "-g"], in: dir)
        let names = Set(try Self.rows(got.db, "SELECT name FROM functions").map(\.[0]))
        #expect(names.contains("shapes::Pool<double>::make(unsigned long)"), "\(names.sorted())")
        #expect(names.contains("main::{lambda(int)#1}::operator()(int) const"), "\(names.sorted())")
        #expect(names.contains { $0.hasPrefix("std::") }, "\(names.sorted())")
        let raw = try Self.rows(got.db, "SELECT raw_name FROM functions WHERE name = 'shapes::Pool<double>::make(unsigned long)'")
        #expect(raw == [["_ZN6shapes4PoolIdE4makeEm"]])
    }

    /// CPython's own C frames (Debian's python3 exports its API in .dynsym): a list built in a
    /// loop allocates from the interpreter's functions, named in `functions`.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func pythonFramesAreNamed() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let python = try #require(try? FileManager.default.destinationOfSymbolicLink(atPath: "/usr/bin/python3"))
        let got = try Self.recordAndReplay(command: ["/usr/bin/python3", "-c", "l = []\nfor i in range(100000): l.append(str(i))"], in: dir)
        let objects = try Self.rows(got.db, "SELECT path, symbols FROM stack_objects WHERE path LIKE '%python3%'")
        let symbols = try #require(objects.first { $0[0].hasSuffix(python) }?[1], "\(objects)")
        try #require(!symbols.hasPrefix("none"), "python3 has no symbols: \(symbols)")
        let names = Set(try Self.rows(got.db, """
            SELECT DISTINCT fn.name FROM functions fn JOIN stack_objects o ON o.id = fn.object WHERE o.path LIKE '%python3%'
            """).map(\.[0]))
        #expect(names.contains("PyList_Append") || names.contains("_PyList_AppendTakeRefListResize") || names.contains("list_resize"),
                "\(names.sorted().prefix(80))")
        #expect(names.contains { $0.hasPrefix("PyUnicode_") || $0.hasPrefix("_PyUnicode_") }, "\(names.sorted().prefix(80))")
    }
}
