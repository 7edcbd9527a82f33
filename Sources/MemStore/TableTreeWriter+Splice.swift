#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Handing the tree to the database: the leaves and the interior pages appended to the closed file
/// (or, where the file system can, the database's pages put in front of the leaves' side file,
/// `TableTreeWriter+Adopt.swift`), the top node written into the table's root page, and the
/// header's page count, change counter and version-valid-for number updated, so SQLite, opening
/// the file again, sees an ordinary table.
extension TableTreeWriter {
    /// Moves the tree into the database file at `databasePath`, which no connection has open (so no
    /// SQLite page cache holds any of it and no journal is active), and removes the side file.
    ///
    /// Checks first what the pages were written for — the header's page size, no reserved bytes, a
    /// schema format of 4 (serial types 8 and 9), no auto-vacuum, UTF-8, a page count matching the
    /// file's size — and that page `rootPage` is still an empty table leaf; throws, changing nothing,
    /// otherwise. A table without rows is left as SQLite made it. `adopt: false` always copies the
    /// leaves; `lockPage` replaces the lock-byte page's number (tests: a lock page in a small file).
    func splice(into databasePath: String, adopt: Bool = true, lockPage: UInt32? = nil) throws {
        let rootPage = self.rootPage
        try finishLeaves()
        defer { discard() }
        guard rowCount > 0 else { return }
        let file = open(databasePath, O_RDWR | O_CLOEXEC)
        if file < 0 {
            throw StoreError(file: displayPath, message: "cannot open the database to add the table's pages: \(String(cString: strerror(errno)))")
        }
        defer { close(file) }
        let header = UnsafeMutablePointer<UInt8>.allocate(capacity: 100)
        defer { header.deallocate() }
        try TableTreeWriter.readAll(file, header, 100, at: 0, file: displayPath)
        let pageCount = try checkHeader(header, file: file, rootPage: rootPage)

        let lock = lockPage ?? TreeLayout.lockPage(pageSize: pageSize)
        let fanout = TreeLayout.fanout(pageSize: pageSize)
        let layout = TreeLayout(leaves: leafMaxRowids.count, root: rootPage, pageCount: pageCount, lockPage: lock, fanout: fanout)
        let problems = layout.invariantViolations(root: rootPage, lockPage: lock, fanout: fanout)
        if !problems.isEmpty {
            throw StoreError(file: displayPath, message: "the table's tree layout is unsound: \(problems.joined(separator: "; "))")
        }
        if try adopt && adoptDatabase(file, pages: pageCount, layout: layout, lockPage: lock) {
            try writeInteriorPages(layout, to: sidecarDescriptor)
            try TableTreeWriter.finishHeader(header, pageCount: layout.pageCount, file: sidecarDescriptor, name: sidecarPath)
            try replace(databasePath, mode: file)
            return
        }
        try copyLeaves(to: file, pages: layout.leafPages)
        try writeInteriorPages(layout, to: file)
        try TableTreeWriter.finishHeader(header, pageCount: layout.pageCount, file: file, name: displayPath)
    }

    /// Writes the header last: page count, change counter + 1, version-valid-for = change counter.
    static func finishHeader(_ header: UnsafeMutablePointer<UInt8>, pageCount: UInt32, file: Int32, name: String) throws {
        let counter = be32(header + 24) &+ 1
        putBE32(counter, header + 24)
        putBE32(pageCount, header + 28)
        putBE32(counter, header + 92)
        try writeAll(file, header, 100, at: 0, file: name)
    }

    /// The database's page count after checking its header and root page (see `splice`).
    private func checkHeader(_ h: UnsafeMutablePointer<UInt8>, file: Int32, rootPage: UInt32) throws -> UInt32 {
        func fail(_ what: String) -> StoreError {
            StoreError(file: displayPath, message: "cannot add the table's pages: \(what)")
        }
        let magic = Array("SQLite format 3".utf8) + [0]
        if (0..<16).contains(where: { h[$0] != magic[$0] }) { throw fail("the file has no SQLite header") }
        let rawSize = Int(h[16]) << 8 | Int(h[17])
        let size = rawSize == 1 ? 65536 : rawSize
        if size != pageSize { throw fail("the page size is \(size), the pages were written for \(pageSize)") }
        if h[20] != 0 { throw fail("the database reserves \(h[20]) bytes per page") }
        let format = TableTreeWriter.be32(h + 44)
        if format != UInt32(fileFormat) { throw fail("the schema format is \(format), the records were written for \(fileFormat)") }
        if TableTreeWriter.be32(h + 52) != 0 { throw fail("the database uses auto-vacuum") }
        if TableTreeWriter.be32(h + 56) != 1 { throw fail("the text encoding is not UTF-8") }
        let end = lseek(file, 0, SEEK_END)
        let pages = TableTreeWriter.be32(h + 28)
        if TableTreeWriter.be32(h + 24) != TableTreeWriter.be32(h + 92) || Int(pages) * pageSize != Int(end) {
            throw fail("the header's page count \(pages) does not match the file's \(end) bytes")
        }
        if rootPage < 2 || rootPage > pages { throw fail("the root page \(rootPage) is not in the file") }
        let root = UnsafeMutablePointer<UInt8>.allocate(capacity: 8)
        defer { root.deallocate() }
        try TableTreeWriter.readAll(file, root, 8, at: Int(rootPage - 1) * pageSize, file: displayPath)
        if root[0] != 0x0D || root[3] != 0 || root[4] != 0 { throw fail("the root page \(rootPage) is not an empty table leaf") }
        return pages
    }

    /// Copies the leaves from the side file to their pages, runs of consecutive pages at a time.
    private func copyLeaves(to file: Int32, pages: [UInt32]) throws {
        let chunk = 256
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk * pageSize)
        defer { buffer.deallocate() }
        var first = 0
        while first < pages.count {
            let n = min(chunk, pages.count - first)
            try TableTreeWriter.readAll(sidecarDescriptor, buffer, n * pageSize, at: first * pageSize, file: sidecarPath)
            var run = 0
            while run < n {
                var end = run + 1
                while end < n && pages[first + end] == pages[first + end - 1] + 1 { end += 1 }
                try TableTreeWriter.writeAll(file, buffer + run * pageSize, (end - run) * pageSize,
                                             at: Int(pages[first + run] - 1) * pageSize, file: displayPath)
                run = end
            }
            first += n
        }
    }

    /// Writes each interior node, level by level: a cell per child but the right-most (its page
    /// and the largest rowid under it), the right-most child in the header.
    private func writeInteriorPages(_ layout: TreeLayout, to file: Int32) throws {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: pageSize)
        defer { buffer.deallocate() }
        var childPages = layout.leafPages
        var childMax = leafMaxRowids
        for (l, level) in layout.levels.enumerated() {
            var pages: [UInt32] = [], maxes: [Int64] = []
            for (n, children) in level.enumerated() {
                TableTreeWriter.putInteriorPage(buffer, pageSize: pageSize, children: children.map { (childPages[$0], childMax[$0]) })
                let page = layout.levelPages[l][n]
                try TableTreeWriter.writeAll(file, buffer, pageSize, at: Int(page - 1) * pageSize, file: displayPath)
                pages.append(page)
                maxes.append(childMax[children.upperBound - 1])
            }
            childPages = pages
            childMax = maxes
        }
    }

    /// A table interior page over `children` (page, largest rowid), in rowid order.
    static func putInteriorPage(_ p: UnsafeMutablePointer<UInt8>, pageSize: Int, children: [(page: UInt32, maxRowid: Int64)]) {
        p.update(repeating: 0, count: pageSize)
        let cells = children.count - 1
        var start = pageSize
        for (i, child) in children.dropLast().enumerated() {
            let size = 4 + SQLiteRecord.varintLength(UInt64(bitPattern: child.maxRowid))
            start -= size
            putBE32(child.page, p + start)
            SQLiteRecord.putVarint(UInt64(bitPattern: child.maxRowid), p + start + 4)
            p[12 + 2 * i] = UInt8(start >> 8); p[13 + 2 * i] = UInt8(start & 0xFF)
        }
        p[0] = 0x05
        p[3] = UInt8(cells >> 8); p[4] = UInt8(cells & 0xFF)
        let content = start == 65536 ? 0 : start
        p[5] = UInt8(content >> 8); p[6] = UInt8(content & 0xFF)
        putBE32(children[cells].page, p + 8)
    }

    static func be32(_ p: UnsafePointer<UInt8>) -> UInt32 {
        UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
    }

    static func putBE32(_ v: UInt32, _ p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(v >> 24); p[1] = UInt8((v >> 16) & 0xFF); p[2] = UInt8((v >> 8) & 0xFF); p[3] = UInt8(v & 0xFF)
    }
}
