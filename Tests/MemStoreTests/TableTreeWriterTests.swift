import CSQLite
import Foundation
@testable import MemStore
import Testing

/// The direct B-tree writer: trees of one leaf to several interior levels (page sizes 512 to
/// 65536) spliced next to the same rows inserted through SQL, read back equal, checked by SQLite,
/// and used by SQLite afterwards (an index built, rows appended); its refusals and its invariants.
@Suite struct TableTreeWriterTests {
    static let schema = "(seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, address INTEGER NOT NULL, kind INTEGER NOT NULL, hw INTEGER)"

    /// Row `i`: rowid 3i + 1, a pid, an address, a 0/1 kind, and `hw` (NULL in every fourth row).
    static func row(_ i: Int) -> [Int64] {
        let mixed = Int64(bitPattern: UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
        let base: [Int64] = [Int64(3 * i + 1), Int64(100 + i % 3), 0x7f00_0000_0000 + Int64(i % 5000) << 6, Int64(i & 1)]
        return i % 4 == 3 ? base : base + [mixed >> Int64(i % 64)]
    }

    /// A database of `pageSize`-byte pages with tables `t` (rows inserted with SQL) and `u` (rows
    /// written by a `TableTreeWriter`, spliced); returns its path.
    func build(_ dir: TemporaryDirectory, pageSize: Int, rows: Int) throws -> String {
        try build(dir, pageSize: pageSize, rows: rows, adopt: true, lockAfter: nil, name: "tree").path
    }

    /// `build`, the splice adopting the side file or copying, with the lock page `lockAfter` pages
    /// after the database's; also says whether the database is a new file (the side file, renamed).
    func build(_ dir: TemporaryDirectory, pageSize: Int, rows: Int, adopt: Bool, lockAfter: Int?,
               name: String, directAfter: Int = TableTreeWriter.defaultDirectAfter) throws -> (path: String, replaced: Bool) {
        try build(dir, pageSize: pageSize, rows: rows, adopt: adopt, lockAfter: lockAfter, name: name, directAfter: directAfter,
                  directBytes: { _ in })
    }

    func build(_ dir: TemporaryDirectory, pageSize: Int, rows: Int, adopt: Bool, lockAfter: Int?,
               name: String, directAfter: Int, directBytes: (Int) -> Void) throws -> (path: String, replaced: Bool) {
        let path = dir.path + "/\(name)-\(pageSize)-\(rows).db"
        let db = try SQLiteDatabase(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try db.exec("PRAGMA page_size = \(pageSize); PRAGMA journal_mode = OFF; CREATE TABLE t \(Self.schema); CREATE TABLE u \(Self.schema); BEGIN")
        let stmt = try db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)")
        for i in 0..<rows {
            let r = Self.row(i)
            for c in 0..<5 { if c < r.count { stmt.bind(Int32(c + 1), r[c]) } else { stmt.bindNull(Int32(c + 1)) } }
            #expect(stmt.execute() == SQLITE_DONE)
        }
        stmt.finalize()
        try db.exec("COMMIT")
        let root = UInt32(try db.text("SELECT rootpage FROM sqlite_schema WHERE name = 'u'"))!
        db.close()
        let tree = try TableTreeWriter(sidecarPath: path + ".u", displayPath: path, pageSize: pageSize, columns: 5, rootPage: root,
                                       directAfter: directAfter)
        for i in 0..<rows {
            try Self.row(i).withUnsafeBufferPointer { try tree.append($0.baseAddress!, count: $0.count) }
            if i % 997 == 0 { #expect(tree.invariantViolations().isEmpty, "after row \(i)") }
        }
        #expect(tree.invariantViolations().isEmpty)
        try tree.finishLeaves()
        directBytes(tree.directBytes)
        var before = stat(), after = stat()
        _ = stat(path, &before)
        let pages = UInt32(Int(before.st_size) / pageSize)
        try tree.splice(into: path, adopt: adopt, lockPage: lockAfter.map { pages + UInt32($0) })
        _ = stat(path, &after)
        #expect(!FileManager.default.fileExists(atPath: path + ".u"))
        return (path, after.st_ino != before.st_ino)
    }

    /// Leaves written around the page cache (`O_DIRECT`, here after the first 256 KiB) make the
    /// same database as leaves written through it, with the splice adopting or copying; where the
    /// file system takes O_DIRECT (ext4, XFS; not tmpfs) the direct writes really happened.
    @Test(arguments: [(4096, 60_000, true), (4096, 60_000, false), (65536, 300_000, true), (1024, 20_000, true)])
    func leavesWrittenAroundThePageCacheMakeTheSameDatabase(pageSize: Int, rowCount: Int, adopt: Bool) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (cached, _) = try build(dir, pageSize: pageSize, rows: rowCount, adopt: adopt, lockAfter: nil, name: "cached")
        var direct = 0
        let (uncached, _) = try build(dir, pageSize: pageSize, rows: rowCount, adopt: adopt, lockAfter: nil, name: "direct",
                                      directAfter: 256 << 10, directBytes: { direct = $0 })
        let a = try Data(contentsOf: URL(fileURLWithPath: cached)), b = try Data(contentsOf: URL(fileURLWithPath: uncached))
        #expect(a.count == b.count && a == b, "\(a.count) and \(b.count) bytes")
        #expect(try rows(uncached, "PRAGMA integrity_check") == [["ok"]])
        #expect((direct > 0) == Self.takesDirectIO(dir.path), "\(direct) bytes written with O_DIRECT")
        #expect(direct % 4096 == 0 && direct < a.count - (256 << 10))
    }

    /// Whether this directory's file system opens files with O_DIRECT.
    static func takesDirectIO(_ dir: String) -> Bool {
        let probe = dir + "/probe-direct"
        defer { unlink(probe) }
        let fd = open(probe, O_RDWR | O_CREAT | O_TRUNC | memreplay_o_direct(), 0o600)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }

    /// Whether this directory's file system can insert a range into a file (ext4, XFS; not tmpfs).
    static func insertsRanges(_ dir: String) -> Bool {
        let probe = dir + "/probe"
        defer { unlink(probe) }
        let fd = open(probe, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var page = [UInt8](repeating: 1, count: 8192)
        guard pwrite(fd, &page, 8192, 0) == 8192 else { return false }
        return memreplay_insert_range(fd, 0, 4096) == 0
    }

    /// The splice that gives the side file the database's pages and name writes the same bytes as
    /// the one that copies the leaves into the database — with the lock-byte page (moved into a
    /// small file for the test) among the leaves, right after the database's pages, or beyond the
    /// leaves — and, where the file system inserts ranges, it is the one that ran (a new inode).
    @Test(arguments: [(4096, 60_000, nil), (4096, 60_000, 100), (4096, 5_000, 1), (4096, 5_000, 2_000),
                      (65536, 40_000, 3), (512, 20_000, nil), (4096, 400, nil)] as [(Int, Int, Int?)])
    func adoptingTheDatabaseWritesWhatCopyingWrites(pageSize: Int, rowCount: Int, lockAfter: Int?) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (copied, copyReplaced) = try build(dir, pageSize: pageSize, rows: rowCount, adopt: false, lockAfter: lockAfter, name: "copied")
        let (adopted, adoptReplaced) = try build(dir, pageSize: pageSize, rows: rowCount, adopt: true, lockAfter: lockAfter, name: "adopted")
        let a = try Data(contentsOf: URL(fileURLWithPath: copied)), b = try Data(contentsOf: URL(fileURLWithPath: adopted))
        #expect(a.count == b.count && a == b, "\(a.count) and \(b.count) bytes")
        if lockAfter == nil { #expect(try rows(adopted, "PRAGMA integrity_check") == [["ok"]]) }
        #expect(!copyReplaced)
        // Adopted where it can be: a tree of more than one leaf, pages a multiple of the block size.
        let leaves = rowCount > 200
        #expect(adoptReplaced == (leaves && pageSize >= 4096 && Self.insertsRanges(dir.path)))
        let mode = { (path: String) in try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }
        #expect(try mode(adopted) == (try mode(copied)))
        #expect(dir.contents().sorted() == [(copied as NSString).lastPathComponent, (adopted as NSString).lastPathComponent].sorted())
    }

    @Test(arguments: [(512, 20_000), (1024, 3), (4096, 1), (4096, 0), (4096, 60_000), (65536, 40_000)])
    func aSplicedTreeIsAnOrdinaryTable(pageSize: Int, rowCount: Int) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try build(dir, pageSize: pageSize, rows: rowCount)
        #expect(try rows(path, "PRAGMA integrity_check") == [["ok"]])
        #expect(try rows(path, "PRAGMA quick_check") == [["ok"]])
        #expect(try rows(path, "SELECT count(*) FROM u") == [["\(rowCount)"]])
        #expect(try rows(path, "SELECT count(*) FROM (SELECT * FROM u EXCEPT SELECT * FROM t)") == [["0"]])
        #expect(try rows(path, "SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM u)") == [["0"]])
        #expect(try rows(path, "SELECT group_concat(seq) FROM (SELECT seq FROM u ORDER BY seq DESC LIMIT 3)")
            == (try rows(path, "SELECT group_concat(seq) FROM (SELECT seq FROM t ORDER BY seq DESC LIMIT 3)")))
        if rowCount > 0 {
            for i in [0, rowCount / 2, rowCount - 1] {
                let r = Self.row(i)
                let hw = r.count == 5 ? "\(r[4])" : "NULL"
                #expect(try rows(path, "SELECT seq, address, quote(hw) FROM u WHERE seq = \(r[0])") == [["\(r[0])", "\(r[2])", hw]])
                #expect(try rows(path, "SELECT count(*) FROM u WHERE seq = \(r[0] + 1)") == [["0"]])
            }
        }
        // SQLite goes on with the tree: an index over it, rows appended after and between.
        let db = try SQLiteDatabase(path: path, flags: SQLITE_OPEN_READWRITE)
        try db.exec("CREATE INDEX u_pid ON u (pid, address); INSERT INTO u SELECT seq + 1, pid, address, kind, hw FROM u WHERE seq % 7 = 1; INSERT INTO u VALUES (\(3 * rowCount + 5), 1, 2, 3, 4)")
        db.close()
        #expect(try rows(path, "PRAGMA integrity_check") == [["ok"]])
        #expect(try rows(path, "SELECT count(*) FROM u INDEXED BY u_pid WHERE pid = 100")
            == (try rows(path, "SELECT count(*) FROM u NOT INDEXED WHERE pid = 100")))
    }

    @Test func rowsOutOfRowidOrderAreRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let tree = try TableTreeWriter(sidecarPath: dir.path + "/pages", displayPath: "x.db", pageSize: 4096, columns: 2, rootPage: 2)
        try [Int64(5), 1].withUnsafeBufferPointer { try tree.append($0.baseAddress!, count: 2) }
        for rowid in [Int64(5), 4] {
            let error = #expect(throws: StoreError.self) {
                try [rowid, 1].withUnsafeBufferPointer { try tree.append($0.baseAddress!, count: 2) }
            }
            #expect(error?.description == "x.db: row 2 has rowid \(rowid), not above the previous row's 5: the table's rows must come in increasing rowid order")
        }
        #expect(tree.rowCount == 1 && tree.invariantViolations().isEmpty)
        tree.discard()
        #expect(dir.contents().isEmpty)
    }

    @Test func aRowThatCouldOverflowIsRefused() throws {
        #expect(throws: StoreError.self) {
            _ = try TableTreeWriter(sidecarPath: "/nonexistent/p", displayPath: "x.db", pageSize: 512, columns: 60, rootPage: 2)
        }
    }

    @Test func invariantsCatchADamagedLeaf() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let tree = try TableTreeWriter(sidecarPath: dir.path + "/pages", displayPath: "x.db", pageSize: 4096, columns: 5, rootPage: 2)
        for i in 0..<500 { try Self.row(i).withUnsafeBufferPointer { try tree.append($0.baseAddress!, count: $0.count) } }
        #expect(tree.invariantViolations().isEmpty && tree.leafMaxRowids.count > 1)
        tree.page[9] &+= 1  // the first cell pointer one byte off
        #expect(tree.invariantViolations().contains { $0.hasPrefix("cell 0 at ") })
        tree.page[9] &-= 1
        let second = Int(tree.page[10]) << 8 | Int(tree.page[11])
        tree.page[second + 1] = 0  // the second cell's rowid (a one-byte varint here) set to 0
        #expect(tree.invariantViolations().contains { $0.hasPrefix("cell 1 has rowid 0") })
    }

    /// The splice checks the file before changing it: a page size or a root page it was not written
    /// for leaves the database byte for byte as it was.
    @Test func spliceRefusesAFileItWasNotWrittenFor() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/other.db"
        let db = try SQLiteDatabase(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try db.exec("PRAGMA page_size = 1024; PRAGMA journal_mode = OFF; CREATE TABLE u \(Self.schema); INSERT INTO u VALUES (1, 2, 3, 4, 5)")
        db.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        for (pageSize, root, message) in [(4096, UInt32(2), "the page size is 1024, the pages were written for 4096"),
                                          (1024, 2, "the root page 2 is not an empty table leaf"),
                                          (1024, 9, "the root page 9 is not in the file")] {
            let tree = try TableTreeWriter(sidecarPath: dir.path + "/pages", displayPath: path, pageSize: pageSize, columns: 5, rootPage: root)
            try Self.row(0).withUnsafeBufferPointer { try tree.append($0.baseAddress!, count: $0.count) }
            let error = #expect(throws: StoreError.self) { try tree.splice(into: path) }
            #expect(error?.description == "\(path): cannot add the table's pages: \(message)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
        #expect(dir.contents() == ["other.db"])
    }

    @Test func layoutsSkipTheLockPageAndKeepTwoChildrenPerNode() {
        let skipping = TreeLayout(leaves: 10, root: 2, pageCount: 5, lockPage: 9, fanout: 3)
        #expect(skipping.leafPages == [6, 7, 8, 10, 11, 12, 13, 14, 15, 16])
        #expect(skipping.levels.map(\.count) == [4, 2, 1])
        #expect(skipping.levels[0] == [0..<2, 2..<5, 5..<7, 7..<10])
        #expect(skipping.levelPages == [[17, 18, 19, 20], [21, 22], [2]])
        #expect(skipping.pageCount == 22)
        #expect(skipping.invariantViolations(root: 2, lockPage: 9, fanout: 3).isEmpty)
        let one = TreeLayout(leaves: 1, root: 4, pageCount: 7, lockPage: 8, fanout: 273)
        #expect(one.leafPages == [4] && one.levels.isEmpty && one.pageCount == 7)
        for fanout in [3, 4, 34, 273] {
            for leaves in 1...1200 {
                let layout = TreeLayout(leaves: leaves, root: 3, pageCount: 40, lockPage: 41 + UInt32(leaves % 50), fanout: fanout)
                #expect(layout.invariantViolations(root: 3, lockPage: 41 + UInt32(leaves % 50), fanout: fanout).isEmpty,
                        "\(leaves) leaves, fanout \(fanout)")
            }
        }
        var broken = skipping
        broken.levels[0] = [0..<1, 1..<5, 5..<7, 7..<10]
        #expect(broken.invariantViolations(root: 2, lockPage: 9, fanout: 3) == ["level 1 has a node of 1 children"])
        broken = skipping
        broken.leafPages[3] = 9
        #expect(broken.invariantViolations(root: 2, lockPage: 9, fanout: 3) == ["the lock-byte page 9 is used"])
        #expect(TreeLayout.lockPage(pageSize: 4096) == 262_145 && TreeLayout.fanout(pageSize: 4096) == 273)
    }
}
