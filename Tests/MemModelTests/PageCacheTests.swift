import Testing
import MemTrace
@testable import MemModel

/// `PageCache`'s file operations on their own: the inode (open, grow, setSize, markUnlinked), the
/// address space (page, insertPage, removePage, pages, cleanPages), dirty tags and writeback, and
/// the checker that holds them together.
@Suite struct PageCacheTests {
    static let file = FileID(7), shm = FileID(8)
    static let identity = FileIdentity(major: 8, minor: 1, inode: 4242)

    /// A cache with `file` (8 pages, on disk) and `shm` (4 pages, on tmpfs) open and empty.
    static func makeCache() -> PageCache {
        var c = PageCache()
        let r1 = c.open(id: file, path: "/data/f", size: 8 << 12, isTmpfs: false, identity: identity)
        #expect(r1)
        let r2 = c.open(id: shm, path: "/dev/shm/s", size: 4 << 12, isTmpfs: true, identity: nil)
        #expect(r2)
        return c
    }

    @Test func openCreatesAFileThenRefreshesIt() {
        var c = PageCacheTests.makeCache()
        #expect(c.contains(PageCacheTests.file) && !c.contains(FileID(99)))
        #expect(c.size(of: PageCacheTests.file) == 8 << 12 && c.size(of: FileID(99)) == nil)
        #expect(c.path(of: PageCacheTests.file) == "/data/f" && !c.isTmpfs(PageCacheTests.file) && c.isTmpfs(PageCacheTests.shm))
        c.insertPage(PageCacheTests.file, 0, PageFrameNumber(100))
        // Opened again (another open(2), or a later path): path and size follow, the pages and
        // the identity stay when the new open declares none.
        let r1 = c.open(id: PageCacheTests.file, path: "/data/g", size: 2 << 12, isTmpfs: true, identity: nil)
        #expect(!r1)
        #expect(c.path(of: PageCacheTests.file) == "/data/g" && c.size(of: PageCacheTests.file) == 2 << 12)
        #expect(!c.isTmpfs(PageCacheTests.file), "the file system does not change with the path")
        #expect(c.files[PageCacheTests.file]!.identity == PageCacheTests.identity)
        #expect(c.page(PageCacheTests.file, 0) == PageFrameNumber(100))
        let other = FileIdentity(major: 0, minor: 5, inode: 1)
        c.open(id: PageCacheTests.file, path: "/data/g", size: 2 << 12, isTmpfs: false, identity: other)
        #expect(c.files[PageCacheTests.file]!.identity == other)
    }

    @Test func growOnlyExtendsAndSetSizeSets() {
        var c = PageCacheTests.makeCache()
        let r1 = c.grow(PageCacheTests.file, to: 4 << 12)
        #expect(!r1 && c.size(of: PageCacheTests.file) == 8 << 12)
        let r2 = c.grow(PageCacheTests.file, to: 8 << 12)
        #expect(!r2)
        let r3 = c.grow(PageCacheTests.file, to: 9 << 12)
        #expect(r3 && c.size(of: PageCacheTests.file) == 9 << 12)
        let r4 = c.grow(FileID(99), to: 1)
        #expect(!r4 && !c.contains(FileID(99)))
        c.setSize(PageCacheTests.file, 100)
        #expect(c.size(of: PageCacheTests.file) == 100)
        c.setSize(FileID(99), 100)
        #expect(!c.contains(FileID(99)))
    }

    @Test func insertedPagesAreFoundAndListedInOrder() {
        var c = PageCacheTests.makeCache()
        #expect(c.page(PageCacheTests.file, 3) == nil)
        for (i, f) in [(5, 105), (3, 103), (0, 100)] { c.insertPage(PageCacheTests.file, UInt64(i), PageFrameNumber(UInt64(f))) }
        c.insertPage(PageCacheTests.shm, 0, PageFrameNumber(200))
        #expect(c.page(PageCacheTests.file, 3) == PageFrameNumber(103))
        #expect(c.pages(of: PageCacheTests.file).map(\.index) == [0, 3, 5])
        #expect(c.pages(of: PageCacheTests.file, from: 3).map(\.frame) == [PageFrameNumber(103), PageFrameNumber(105)])
        #expect(c.pages(of: FileID(99)).isEmpty)
        #expect(c.filePages == 4)
        // A page of a file never opened has nowhere to go.
        c.insertPage(FileID(99), 0, PageFrameNumber(300))
        #expect(c.filePages == 4 && c.page(FileID(99), 0) == nil)
        #expect(c.invariantViolations().isEmpty)
    }

    @Test func markDirtyTagsCachedDiskPagesOnce() {
        var c = PageCacheTests.makeCache()
        let r1 = c.markDirty(PageCacheTests.file, 1)
        #expect(!r1, "an uncached page cannot be dirty")
        c.insertPage(PageCacheTests.file, 1, PageFrameNumber(101))
        let r2 = c.markDirty(PageCacheTests.file, 1)
        #expect(r2)
        let r3 = c.markDirty(PageCacheTests.file, 1)
        #expect(!r3, "already dirty")
        c.insertPage(PageCacheTests.shm, 1, PageFrameNumber(201))
        let r4 = c.markDirty(PageCacheTests.shm, 1)
        #expect(!r4, "shmem's noop_dirty_folio")
        #expect(c.dirtyPages == 1 && c.files[PageCacheTests.file]!.dirty == [1] && c.files[PageCacheTests.shm]!.dirty.isEmpty)
        #expect(c.invariantViolations().isEmpty)
    }

    @Test func writebackMovesDirtyTagsToWritebackUntilTheIOEnds() {
        var c = PageCacheTests.makeCache()
        for i: UInt64 in 0..<6 {
            c.insertPage(PageCacheTests.file, i, PageFrameNumber(100 + i))
            c.markDirty(PageCacheTests.file, i, now: 7)
        }
        #expect(c.files[PageCacheTests.file]!.dirtiedWhen == 7)
        #expect(c.dirtyIndices(of: PageCacheTests.file, in: 2...3) == [2, 3])
        for i: UInt64 in 2...3 { let started = c.startWriteback(PageCacheTests.file, i); #expect(started) }
        let again = c.startWriteback(PageCacheTests.file, 2)
        #expect(!again, "no longer dirty")
        #expect(c.files[PageCacheTests.file]!.dirty == [0, 1, 4, 5] && c.dirtyPages == 4 && c.writebackPages == 2)
        #expect(c.cleanPages(of: PageCacheTests.file).isEmpty, "writeback pages are not clean for invalidation")
        // Written again while its I/O runs: dirty and under writeback at once.
        c.markDirty(PageCacheTests.file, 2, now: 9)
        #expect(c.isDirty(PageCacheTests.file, 2) && c.isUnderWriteback(PageCacheTests.file, 2))
        let ended = c.endWriteback(PageCacheTests.file, 3), endedTwice = c.endWriteback(PageCacheTests.file, 3)
        #expect(ended && !endedTwice)
        #expect(c.cleanPages(of: PageCacheTests.file).map(\.index) == [3])
        for i in c.dirtyIndices(of: PageCacheTests.file) { _ = c.startWriteback(PageCacheTests.file, i) }
        #expect(c.dirtyPages == 0 && c.files[PageCacheTests.file]!.dirtiedWhen == nil && c.dirtyFiles().isEmpty)
        #expect(c.filePages == 6, "written pages stay cached")
        #expect(c.invariantViolations().isEmpty)
        // Truncation takes a page under writeback with its tags.
        _ = c.removePage(PageCacheTests.file, 0)
        #expect(c.writebackPages == 4 && c.invariantViolations().isEmpty)
    }

    @Test func removePageReturnsTheFrameAndDropsTheDirtyTag() {
        var c = PageCacheTests.makeCache()
        c.insertPage(PageCacheTests.file, 2, PageFrameNumber(102))
        c.markDirty(PageCacheTests.file, 2)
        let r1 = c.removePage(PageCacheTests.file, 2)
        #expect(r1 == PageFrameNumber(102))
        #expect(c.page(PageCacheTests.file, 2) == nil && c.dirtyPages == 0)
        let r2 = c.removePage(PageCacheTests.file, 2)
        let r3 = c.removePage(FileID(99), 0)
        #expect(r2 == nil && r3 == nil)
        c.insertPage(PageCacheTests.file, 2, PageFrameNumber(110))
        #expect(c.page(PageCacheTests.file, 2) == PageFrameNumber(110), "the slot can be filled again")
        #expect(c.invariantViolations().isEmpty)
    }

    @Test func cleanPagesLeaveOutDirtyAndTmpfsPages() {
        var c = PageCacheTests.makeCache()
        for i: UInt64 in 0..<4 { c.insertPage(PageCacheTests.file, i, PageFrameNumber(100 + i)) }
        for i: UInt64 in 0..<2 { c.insertPage(PageCacheTests.shm, i, PageFrameNumber(200 + i)) }
        c.markDirty(PageCacheTests.file, 1)
        #expect(c.cleanPages(of: PageCacheTests.file).map(\.index) == [0, 2, 3])
        #expect(c.cleanPages(of: PageCacheTests.file).map(\.frame) == [PageFrameNumber(100), PageFrameNumber(102), PageFrameNumber(103)])
        #expect(c.cleanPages(of: PageCacheTests.shm).isEmpty && c.cleanPages(of: FileID(99)).isEmpty)
    }

    @Test func markUnlinkedKeepsThePages() {
        var c = PageCacheTests.makeCache()
        c.insertPage(PageCacheTests.file, 0, PageFrameNumber(100))
        #expect(!c.files[PageCacheTests.file]!.unlinked)
        c.markUnlinked(PageCacheTests.file)
        #expect(c.files[PageCacheTests.file]!.unlinked && c.page(PageCacheTests.file, 0) == PageFrameNumber(100))
        c.markUnlinked(FileID(99))
        #expect(!c.contains(FileID(99)))
    }

    @Test func migrationMovesFilePagesWithTheirDirtyTags() {
        var c = PageCacheTests.makeCache()
        c.insertPage(PageCacheTests.file, 0, PageFrameNumber(100))
        c.insertPage(PageCacheTests.file, 1, PageFrameNumber(101))
        c.markDirty(PageCacheTests.file, 1)
        c.migrate([PageFrameNumber(101): PageFrameNumber(500)])
        #expect(c.page(PageCacheTests.file, 0) == PageFrameNumber(100) && c.page(PageCacheTests.file, 1) == PageFrameNumber(500))
        #expect(c.files[PageCacheTests.file]!.dirty == [1])
        #expect(c.invariantViolations().isEmpty)
    }

    @Test func theCheckerCatchesBrokenFileState() {
        var stray = PageCacheTests.makeCache()
        stray.forceDirty(PageCacheTests.file, 3)
        #expect(stray.invariantViolations() == ["file /data/f: 1 dirty pages not in the page cache"])

        var tmpfs = PageCacheTests.makeCache()
        tmpfs.insertPage(PageCacheTests.shm, 0, PageFrameNumber(200))
        tmpfs.forceDirty(PageCacheTests.shm, 0)
        #expect(tmpfs.invariantViolations() == ["file /dev/shm/s: tmpfs file with 1 dirty and 0 writeback pages"])

        var twice = PageCacheTests.makeCache()
        twice.insertPage(PageCacheTests.file, 0, PageFrameNumber(100))
        twice.forcePage(PageCacheTests.shm, 2, PageFrameNumber(100))
        #expect(twice.invariantViolations() == ["frame pfn:0x64 caches both page 0 of file /data/f and page 2 of file /dev/shm/s"])
    }
}
