import CSQLite
import MemTrace
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an append-only rowid table as SQLite table B-tree leaf pages, without SQLite: each row
/// becomes a cell (`SQLiteRecord`) packed into the current leaf, and each full leaf is appended to a
/// side file; `splice` (`TableTreeWriter+Splice.swift`) later moves the leaves into the closed
/// database file, builds the interior pages over them and makes the table's root page the tree's.
///
/// Rows must come in increasing rowid order (the order of a table keyed by the event's sequence
/// number); every column is an integer or NULL, and no row needs an overflow page (`init` checks
/// the widest possible record against the page's local limit). A leaf holds as many whole cells as
/// fit: its cells run down from the page's end in rowid order, the cell pointers up after its
/// 8-byte header, no free block, no fragment, the gap between them zero.
final class TableTreeWriter {
    /// The database's page size (its usable size: the database reserves no bytes per page).
    let pageSize: Int
    /// Columns of the table (the record's length; a row given fewer ends in NULLs).
    let columns: Int
    /// The database's schema format number (4: 0 and 1 take no body byte).
    let fileFormat: Int
    /// The side file holding the full leaves, in order.
    let sidecarPath: String
    /// The table's root page in the database (where `splice` puts the tree's top node).
    let rootPage: UInt32
    /// The database named in error messages.
    let displayPath: String
    /// The largest rowid of each leaf written to the side file, in order.
    private(set) var leafMaxRowids: [Int64] = []
    /// Rows appended so far.
    private(set) var rowCount = 0
    /// The last rowid appended (meaningless before the first row).
    private(set) var lastRowid = Int64.min
    /// Whether the side file was closed and removed (after `splice` or `discard`).
    private(set) var closed = false

    private var fd: Int32
    /// The leaf being filled.
    let page: UnsafeMutablePointer<UInt8>
    private(set) var cellCount = 0
    /// Where the lowest cell of the current leaf starts.
    private(set) var contentStart: Int
    /// Full leaves waiting for one `write` to the side file.
    private let out: UnsafeMutablePointer<UInt8>
    private var outPages = 0
    private static let pagesPerWrite = 64
    /// Bytes of leaves in the side file, and of those the bytes written with `O_DIRECT`.
    private var written = 0
    private(set) var directBytes = 0
    /// Leaves past this many bytes go to the side file with `O_DIRECT`, around the page cache.
    let directAfter: Int
    /// The side file opened with `O_DIRECT` (−1: not yet, −2: the file system refused it).
    private var directFD: Int32 = -1
    /// `directAfter` by default: 1 GiB. Beyond it a replay's leaves (3.3 GB at 10^8 access
    /// events) would fill the page cache with pages no one reads before the replay ends — and on a
    /// VM that hands freed memory back to its host (DAMON pageout, free page reporting), each fresh
    /// page-cache page costs a host fault inside `write`: 6.5–12 s of system time for 3.3 GB here,
    /// against 0.8 s with `O_DIRECT`. The first GiB stays cached for the queries that follow.
    static let defaultDirectAfter = 1 << 30

    /// Creates the side file (replacing any) for a table of `columns` integer columns rooted at
    /// `rootPage` in a database of `pageSize`-byte pages; throws when a row of them could need an overflow page.
    init(sidecarPath: String, displayPath: String, pageSize: Int, columns: Int, rootPage: UInt32, fileFormat: Int = 4,
         directAfter: Int = TableTreeWriter.defaultDirectAfter) throws {
        self.pageSize = pageSize
        self.directAfter = directAfter
        self.rootPage = rootPage
        self.columns = columns
        self.fileFormat = fileFormat
        self.sidecarPath = sidecarPath
        self.displayPath = displayPath
        // The widest record: a 9-byte rowid, every column 8 bytes (the rowid's is NULL).
        let widest = SQLiteRecord.headerLength(columns: columns) + 8 * (columns - 1)
        guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0, columns >= 1,
              widest <= TableTreeWriter.maxLocalPayload(pageSize: pageSize) else {
            throw StoreError(file: displayPath, message: "a \(columns)-column row may not fit a \(pageSize)-byte page without overflow pages")
        }
        unlink(sidecarPath)
        TemporaryFiles.register(sidecarPath)
        fd = open(sidecarPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 {
            TemporaryFiles.unregister(sidecarPath)
            throw StoreError(file: sidecarPath, message: "cannot create the table's page file: \(String(cString: strerror(errno)))")
        }
        page = .allocate(capacity: pageSize)
        // Aligned for O_DIRECT (the file system's logical block: 4096 at most on these machines).
        out = UnsafeMutableRawPointer.allocate(byteCount: pageSize * TableTreeWriter.pagesPerWrite, alignment: 4096)
            .bindMemory(to: UInt8.self, capacity: pageSize * TableTreeWriter.pagesPerWrite)
        contentStart = pageSize
        page.initialize(repeating: 0, count: pageSize)
    }

    deinit {
        discard()
        page.deallocate()
        UnsafeMutableRawPointer(out).deallocate()
    }

    /// The largest payload a table leaf cell keeps on its page (`U - 35`): any more spills.
    static func maxLocalPayload(pageSize: Int) -> Int { pageSize - 35 }

    /// Appends one row: `values[0]` its rowid, `values[1..<count]` its next columns (integers), the
    /// rest of the table's columns NULL. Throws when the rowid does not exceed the last one.
    @inline(__always)
    func append(_ values: UnsafePointer<Int64>, count: Int) throws {
        let rowid = values[0]
        if rowid <= lastRowid && rowCount > 0 { throw outOfOrder(rowid) }
        let trailing = columns - count
        let (size, payload) = SQLiteRecord.cellSize(values, count: count, trailingNulls: trailing, fileFormat: fileFormat)
        let cell = max(size, 4)  // SQLite counts a cell as 4 bytes at least
        if contentStart - cell < 8 + 2 * (cellCount + 1) { try finishLeaf() }
        contentStart -= cell
        SQLiteRecord.putCell(values, count: count, trailingNulls: trailing, payload: payload, fileFormat: fileFormat,
                             at: page + contentStart)
        let pointer = 8 + 2 * cellCount
        page[pointer] = UInt8(contentStart >> 8); page[pointer + 1] = UInt8(contentStart & 0xFF)
        cellCount += 1
        rowCount += 1
        lastRowid = rowid
    }

    private func outOfOrder(_ rowid: Int64) -> StoreError {
        StoreError(file: displayPath, message: "row \(rowCount + 1) has rowid \(rowid), not above the previous row's \(lastRowid): the table's rows must come in increasing rowid order")
    }

    /// Writes the current leaf's header and queues the leaf for the side file; starts an empty one.
    private func finishLeaf() throws {
        guard cellCount > 0 else { return }
        TableTreeWriter.putLeafHeader(page, cells: cellCount, contentStart: contentStart)
        (out + outPages * pageSize).update(from: page, count: pageSize)
        outPages += 1
        leafMaxRowids.append(lastRowid)
        page.update(repeating: 0, count: pageSize)
        cellCount = 0
        contentStart = pageSize
        if outPages == TableTreeWriter.pagesPerWrite { try flushPages() }
    }

    /// A table leaf's 8-byte header: type 13, no free block, the cell count, the content's start
    /// (0 meaning 65536), no fragmented byte.
    static func putLeafHeader(_ p: UnsafeMutablePointer<UInt8>, cells: Int, contentStart: Int) {
        p[0] = 0x0D; p[1] = 0; p[2] = 0
        p[3] = UInt8(cells >> 8); p[4] = UInt8(cells & 0xFF)
        let start = contentStart == 65536 ? 0 : contentStart
        p[5] = UInt8(start >> 8); p[6] = UInt8(start & 0xFF); p[7] = 0
    }

    private func flushPages() throws {
        guard outPages > 0 else { return }
        let bytes = outPages * pageSize
        if written >= directAfter && directFD == -1 {
            directFD = open(sidecarPath, O_WRONLY | O_CLOEXEC | memreplay_o_direct())
            if directFD < 0 { directFD = -2 }
        }
        // O_DIRECT wants block-aligned lengths and offsets; the last, partial run goes cached.
        let direct = directFD >= 0 && bytes % 4096 == 0 && written % 4096 == 0
        do {
            try TableTreeWriter.writeAll(direct ? directFD : fd, out, bytes, at: written, file: sidecarPath)
        } catch where direct {
            // A file system that opened the file for O_DIRECT yet refuses the write: cached from now on.
            close(directFD); directFD = -2
            try TableTreeWriter.writeAll(fd, out, bytes, at: written, file: sidecarPath)
        }
        if direct && directFD >= 0 { directBytes += bytes }
        written += bytes
        outPages = 0
    }

    /// Ends the last leaf and writes every queued leaf to the side file.
    func finishLeaves() throws {
        try finishLeaf()
        try flushPages()
    }

    /// Closes and removes the side file (idempotent; registered with `TemporaryFiles` until then).
    func discard() {
        guard !closed else { return }
        closed = true
        closeFiles()
        unlink(sidecarPath)
        TemporaryFiles.unregister(sidecarPath)
    }

    /// Closes the side file after it became the database (`replace`): nothing to remove.
    func adopted() {
        closed = true
        closeFiles()
        TemporaryFiles.unregister(sidecarPath)
    }

    private func closeFiles() {
        if fd >= 0 { close(fd); fd = -1 }
        if directFD >= 0 { close(directFD) }
        directFD = -2
    }

    /// The side file's descriptor, for `splice`.
    var sidecarDescriptor: Int32 { fd }

    /// Writes `count` bytes from `p` to `fd` (at `offset`, else at the file's position), retrying
    /// short writes; throws naming `file`.
    static func writeAll(_ fd: Int32, _ p: UnsafePointer<UInt8>, _ count: Int, at offset: Int?, file: String) throws {
        var done = 0
        while done < count {
            let n = offset.map { pwrite(fd, p + done, count - done, off_t($0 + done)) } ?? write(fd, p + done, count - done)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                throw StoreError(file: file, message: "cannot write \(count) bytes: \(n < 0 ? String(cString: strerror(errno)) : "no space")")
            }
            done += n
        }
    }

    /// Reads `count` bytes at `offset` into `p`; throws naming `file` on an error or a short file.
    static func readAll(_ fd: Int32, _ p: UnsafeMutablePointer<UInt8>, _ count: Int, at offset: Int, file: String) throws {
        var done = 0
        while done < count {
            let n = pread(fd, p + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                throw StoreError(file: file, message: "cannot read \(count) bytes at offset \(offset): \(n < 0 ? String(cString: strerror(errno)) : "the file ends at \(offset + done)")")
            }
            done += n
        }
    }
}
