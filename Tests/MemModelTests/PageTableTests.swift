import Testing
@testable import MemModel

@Suite struct PageTableTests {
    @Test func mappingAllocatesTablePagesOncePerLevel() {
        var next: UInt64 = 1000
        var t = PageTable(pgd: PageFrameNumber(1))
        let alloc: () -> PageFrameNumber? = { next += 1; return PageFrameNumber(next) }
        let mapped1 = t.map(0x400, PageTableEntry(frame: PageFrameNumber(5), flags: [.present]), allocate: alloc)
        #expect(mapped1)
        #expect(t.tablePages == 4)          // PGD + PUD + PMD + PTE
        let mapped2 = t.map(0x401, PageTableEntry(frame: PageFrameNumber(6), flags: [.present]), allocate: alloc)
        #expect(mapped2)
        #expect(t.tablePages == 4)          // same PTE page
        let mapped3 = t.map(0x400 + 512, PageTableEntry(frame: PageFrameNumber(7), flags: [.present]), allocate: alloc)
        #expect(mapped3)
        #expect(t.tablePages == 5)          // a new PTE page under the same PMD page
        #expect(t.walk(0x400).count == 4)
        #expect(t.walk(0x9_0000_0000).count == 1)
        #expect(t.invariantViolations().isEmpty)
    }

    @Test func failedTableAllocationChangesNothing() {
        var t = PageTable(pgd: PageFrameNumber(1))
        let mapped4 = t.map(0x400, PageTableEntry(frame: PageFrameNumber(5), flags: [.present]), allocate: { nil })
        #expect(!mapped4)
        #expect(t.count == 0 && t.tablePages == 1)
    }

    @Test func mappedPagesListsOnlyPresentEntriesInRange() {
        var next: UInt64 = 10
        var t = PageTable(pgd: PageFrameNumber(1))
        for v: UInt64 in [5, 7, 600, 100_000] {
            _ = t.map(v, PageTableEntry(frame: PageFrameNumber(v), flags: [.present])) { next += 1; return PageFrameNumber(next) }
        }
        #expect(t.mappedPages(0, 1000) == [5, 7, 600])
        #expect(t.mappedPages(6, 100_001) == [7, 600, 100_000])
        #expect(t.mappedPages(0, 1 << 40) == [5, 7, 600, 100_000])
        _ = t.unmap(7)
        #expect(t.mappedPages(0, 1000) == [5, 600])
    }
}
