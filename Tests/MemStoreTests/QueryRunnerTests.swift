import Foundation
import MemStore
import Testing

@Suite struct QueryRunnerTests {
    static let small = """
        SELECT 1 AS n, 'a,b' AS s, NULL AS z, 2.5 AS r
        UNION ALL SELECT 100, 'say "hi"', 'x', -1.0
        """

    /// A finished fixture database in a fresh directory.
    func fixture() throws -> (TemporaryDirectory, String) {
        let dir = TemporaryDirectory()
        return (dir, try StoreFixture.build(in: dir.path))
    }

    @Test func tableFormat() throws {
        let (dir, db) = try fixture()
        defer { dir.remove() }
        #expect(try QueryRunner.run(database: db, sql: Self.small, format: .table) == """
              n  s         z        r
            ---  --------  ----  ----
              1  a,b       NULL   2.5
            100  say "hi"  x     -1.0
            """)
    }

    @Test func csvFormatQuotesPerRFC4180() throws {
        let (dir, db) = try fixture()
        defer { dir.remove() }
        #expect(try QueryRunner.run(database: db, sql: Self.small, format: .csv) == #"""
            n,s,z,r
            1,"a,b",,2.5
            100,"say ""hi""",x,-1.0
            """#)
        #expect(try QueryRunner.run(database: db, sql: "SELECT 'two\nlines' AS \"a,b\", 'plain' AS c", format: .csv)
            == "\"a,b\",c\n\"two\nlines\",plain")
    }

    @Test func jsonFormat() throws {
        let (dir, db) = try fixture()
        defer { dir.remove() }
        #expect(try QueryRunner.run(database: db, sql: Self.small, format: .json) == """
            [
              {"n": 1, "s": "a,b", "z": null, "r": 2.5},
              {"n": 100, "s": "say \\"hi\\"", "z": "x", "r": -1.0}
            ]
            """)
        #expect(try QueryRunner.run(database: db, sql: "SELECT 1 AS a WHERE 0", format: .json) == "[]")
    }

    @Test func severalStatements() throws {
        let (dir, db) = try fixture()
        defer { dir.remove() }
        let sql = """
            -- a comment first
            SELECT count(*) AS events FROM events;
            CREATE TEMP VIEW IF NOT EXISTS nothing AS SELECT 1;
            SELECT name FROM processes WHERE pid = 101; -- trailing comment
            """
        // The temp view is refused: query_only forbids even temporary objects.
        #expect(throws: StoreError.self) { try QueryRunner.run(database: db, sql: sql, format: .json) }
        let reads = "SELECT count(*) AS events FROM events;\n SELECT image FROM processes WHERE pid = 101; -- end"
        #expect(try QueryRunner.run(database: db, sql: reads, format: .json) == """
            [
              [
                {"events": 20}
              ],
              [
                {"image": "/usr/bin/app"}
              ]
            ]
            """)
        #expect(try QueryRunner.run(database: db, sql: reads, format: .table) == """
            events
            ------
                20

            image
            ------------
            /usr/bin/app
            """)
        #expect(try QueryRunner.run(database: db, sql: reads, format: .csv) == "events\n20\n\nimage\n/usr/bin/app")
    }

    @Test(arguments: [
        "INSERT INTO metrics VALUES (1, 'x', 1)",
        "DELETE FROM accesses",
        "CREATE TABLE t (a)",
        "UPDATE runs SET events = 0",
        "DROP TABLE faults",
        "PRAGMA query_only = 0; DELETE FROM accesses",
    ])
    func writesAreRefused(_ sql: String) throws {
        let (dir, db) = try fixture()
        defer { dir.remove() }
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let error = #expect(throws: StoreError.self) { try QueryRunner.run(database: db, sql: sql, format: .table) }
        #expect(error?.description
            == "\(db): the database is opened read-only; query cannot change it (attempt to write a readonly database)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        #expect(dir.contents() == ["run.db"])
    }

    @Test func missingDatabaseIsAnErrorAndNotCreated() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/missing.db"
        let error = #expect(throws: StoreError.self) { try QueryRunner.run(database: path, sql: "SELECT 1", format: .csv) }
        #expect(error?.description == "\(path): no such database file")
        #expect(dir.contents().isEmpty)
    }

    @Test func notADatabaseIsAnError() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/notes.db"
        try Data(String(repeating: "this is not a database\n", count: 50).utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try QueryRunner.run(database: path, sql: "SELECT 1", format: .csv) }
        #expect(error?.description == "\(path): not an SQLite database (file is not a database)")
        try Data().write(to: URL(fileURLWithPath: path))
        let empty = #expect(throws: StoreError.self) { try QueryRunner.run(database: path, sql: "SELECT 1", format: .csv) }
        #expect(empty?.description == "\(path): not an SQLite database (the file is empty)")
    }

    @Test func sqlErrorsNameTheFileAndSQLitesMessage() throws {
        let (dir, db) = try fixture()
        defer { dir.remove() }
        let error = #expect(throws: StoreError.self) {
            try QueryRunner.run(database: db, sql: "SELECT 1;\nSELECT nope FROM events", format: .csv)
        }
        #expect(error?.description == "\(db): SQL error: no such column: nope in: SELECT nope FROM events")
        let missing = #expect(throws: StoreError.self) {
            try QueryRunner.run(database: db, sql: dir.path + "/absent.sql", format: .csv)
        }
        #expect(missing?.description == "\(dir.path)/absent.sql: no such SQL file")
    }

    @Test func readsSQLFromAFile() throws {
        let (dir, db) = try fixture()
        defer { dir.remove() }
        let file = dir.path + "/q.sql"
        try Data("-- count\nSELECT count(*) AS n FROM faults;\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try QueryRunner.run(database: db, sql: file, format: .csv) == "n\n6")
    }
}
