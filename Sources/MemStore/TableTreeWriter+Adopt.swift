import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Splicing without copying the leaves: the side file, which holds the leaves back to back, takes
/// the database's own pages in front of them and then the database's name.
///
/// `fallocate(FALLOC_FL_INSERT_RANGE)` opens a hole at an offset by moving the extents after it
/// (ext4, XFS): no leaf byte is read or written again. At 10^8 access events the leaves are 3.3 GB,
/// and copying them into the database doubled what the replay wrote and pushed it past the
/// kernel's dirty-page limits (`balance_dirty_pages` throttling the writer to the disk's speed).
extension TableTreeWriter {
    /// Puts the database's `pages` pages (from `database`) in front of the leaves in the side file,
    /// with a hole at the lock-byte page when the leaves cross it, so each leaf sits at its page in
    /// `layout`. Returns false, changing nothing, where the file system cannot insert ranges or the
    /// page size is not a multiple of its block size; throws on an I/O error after the first change.
    func adoptDatabase(_ database: Int32, pages: UInt32, layout: TreeLayout, lockPage: UInt32) throws -> Bool {
        let ps = pageSize
        var st = stat()
        let leaves = leafMaxRowids.count
        guard fstat(sidecarDescriptor, &st) == 0, st.st_blksize > 0, ps % Int(st.st_blksize) == 0,
              leaves > 1, Int(st.st_size) == leaves * ps, let last = layout.leafPages.last else { return false }
        // The leaves follow the database's pages one after another, but for the lock page.
        let crossesLock = pages < lockPage && lockPage <= last
        guard layout.leafPages.first! > pages, Int(last) == Int(pages) + leaves + (crossesLock ? 1 : 0) else { return false }
        guard memreplay_insert_range(sidecarDescriptor, 0, Int(pages) * ps) == 0 else { return false }
        if crossesLock && memreplay_insert_range(sidecarDescriptor, Int(lockPage - 1) * ps, ps) != 0 {
            throw StoreError(file: sidecarPath, message: "cannot leave the lock-byte page free: \(String(cString: strerror(errno)))")
        }
        try copyPages(from: database, count: Int(pages))
        return true
    }

    /// Copies the database's first `count` pages to the start of the side file.
    private func copyPages(from database: Int32, count: Int) throws {
        let chunk = 256
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk * pageSize)
        defer { buffer.deallocate() }
        var first = 0
        while first < count {
            let n = min(chunk, count - first)
            try TableTreeWriter.readAll(database, buffer, n * pageSize, at: first * pageSize, file: displayPath)
            try TableTreeWriter.writeAll(sidecarDescriptor, buffer, n * pageSize, at: first * pageSize, file: sidecarPath)
            first += n
        }
    }

    /// Gives the side file the database's permissions and then its name (the same directory, so
    /// `rename` replaces it at once); the side file is then the database and is no longer removed.
    func replace(_ databasePath: String, mode database: Int32) throws {
        var st = stat()
        if fstat(database, &st) == 0 { _ = fchmod(sidecarDescriptor, st.st_mode & 0o7777) }
        guard rename(sidecarPath, databasePath) == 0 else {
            throw StoreError(file: displayPath, message: "cannot move the table's pages into place: \(String(cString: strerror(errno)))")
        }
        adopted()
    }
}
