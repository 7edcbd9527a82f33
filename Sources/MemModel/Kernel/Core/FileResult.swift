/// The page cache's result for a file operation (open, close, read, write, fsync, truncate, unlink).
///
/// The replay engine stores it as it is (`OutcomeDetail.file`), in the `file_calls` table's
/// `pages_cached`, `pages_read`, `pages_dirtied`, `pages_written` and `pages_dropped` columns.
public struct FileResult: Hashable, Sendable {
    /// Pages of the range already in the page cache (read, write).
    public var pagesCached: UInt64
    /// Pages read from storage into the cache (read, with its readahead).
    public var pagesRead: UInt64
    /// Clean or new pages a write tagged dirty (`folio_mark_dirty`); never a tmpfs file's.
    public var pagesDirtied: UInt64
    /// Dirty pages fsync wrote back (`file_write_and_wait_range`); they stay cached, clean.
    public var pagesWritten: UInt64
    /// Pages truncate (past the new end) or unlink removed from the cache and freed; pages a
    /// process maps stay.
    public var pagesDropped: UInt64

    @inlinable public init(pagesCached: UInt64 = 0, pagesRead: UInt64 = 0, pagesDirtied: UInt64 = 0,
                           pagesWritten: UInt64 = 0, pagesDropped: UInt64 = 0) {
        self.pagesCached = pagesCached; self.pagesRead = pagesRead; self.pagesDirtied = pagesDirtied
        self.pagesWritten = pagesWritten; self.pagesDropped = pagesDropped
    }
}
