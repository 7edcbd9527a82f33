/// The page cache's result for a file operation (open, close, read, write, fsync, truncate, unlink).
///
/// The replay engine stores it as it is (`OutcomeDetail.file`), in the `file_calls` table's
/// `pages_cached`, `pages_read` and `pages_changed` columns.
public struct FileResult: Hashable, Sendable {
    /// Pages of the range already in the page cache.
    public var pagesCached: UInt64
    /// Pages read from storage into the cache.
    public var pagesRead: UInt64
    /// Pages dirtied (write), written back (fsync) or dropped (truncate, unlink).
    public var pagesChanged: UInt64

    @inlinable public init(pagesCached: UInt64 = 0, pagesRead: UInt64 = 0, pagesChanged: UInt64 = 0) {
        self.pagesCached = pagesCached; self.pagesRead = pagesRead; self.pagesChanged = pagesChanged
    }
}
