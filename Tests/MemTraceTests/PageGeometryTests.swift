import Testing
import MemTrace

/// `Page` and `HugePage` at the edges: 0, the last byte of the first page, the first byte of the
/// second, and the top of the 64-bit range.
@Suite struct PageGeometryTests {
    @Test func constantsAgree() {
        #expect(Page.shift == 12 && Page.size == 4096 && Page.offsetMask == 4095)
        #expect(1 << Page.shift == Page.size && Page.offsetMask == Page.size - 1)
        #expect(HugePage.shift == 21 && HugePage.size == 2 << 20 && HugePage.pages == 512 && HugePage.order == 9)
        #expect(1 << HugePage.shift == HugePage.size && 1 << HugePage.order == HugePage.pages)
        #expect(HugePage.pages * Page.size == HugePage.size && HugePage.offsetMask == HugePage.size - 1)
        #expect(HugePage.pageIndexMask == 511)
    }

    @Test func numbersAndAddressesRoundTrip() {
        let top = UInt64.max >> 12                                     // the last page number
        let cases: [(address: UInt64, number: UInt64, down: UInt64)] = [
            (0, 0, 0), (1, 0, 0), (4095, 0, 0), (4096, 1, 4096), (4097, 1, 4096), (8191, 1, 4096),
            (UInt64.max - 4096, top - 1, UInt64.max - 8191), (UInt64.max - 4095, top, UInt64.max - 4095),
            (UInt64.max, top, UInt64.max - 4095),
        ]
        for c in cases {
            #expect(Page.number(of: c.address) == c.number, "number(of: \(c.address))")
            #expect(Page.alignDown(c.address) == c.down, "alignDown(\(c.address))")
            #expect(Page.address(ofNumber: c.number) == c.down, "address(ofNumber: \(c.number))")
            #expect(Page.number(of: Page.address(ofNumber: c.number)) == c.number)
            #expect(Page.offset(of: c.address) == c.address - c.down)
            #expect(Page.isAligned(c.address) == (c.address == c.down))
            #expect(VirtualAddress(c.address).pageNumber == c.number)
        }
    }

    @Test func alignUpRoundsToTheNextBoundaryAndWrapsAtTheTop() {
        let cases: [(UInt64, UInt64)] = [
            (0, 0), (1, 4096), (4095, 4096), (4096, 4096), (4097, 8192),
            (UInt64.max - 8191, UInt64.max - 8191), (UInt64.max - 8190, UInt64.max - 4095), (UInt64.max - 4095, UInt64.max - 4095),
            (UInt64.max - 4094, 0), (UInt64.max, 0),                       // PAGE_ALIGN wraps past the top
        ]
        for (a, up) in cases { #expect(Page.alignUp(a) == up, "alignUp(\(a))") }
    }

    @Test func countsRoundAsTheirNamesSay() {
        let cases: [(bytes: UInt64, whole: UInt64, covering: UInt64)] = [
            (0, 0, 0), (1, 0, 1), (4095, 0, 1), (4096, 1, 1), (4097, 1, 2), (8192, 2, 2),
            (UInt64.max - 4095, (UInt64.max >> 12), (UInt64.max >> 12)),
            (UInt64.max, UInt64.max >> 12, 1 << 52),                        // no overflow at the top
        ]
        for c in cases {
            #expect(Page.count(in: c.bytes) == c.whole, "count(in: \(c.bytes))")
            #expect(Page.count(covering: c.bytes) == c.covering, "count(covering: \(c.bytes))")
        }
        #expect(Page.bytes(0) == 0 && Page.bytes(1) == 4096 && Page.bytes(256) == 1 << 20)
        #expect(Page.bytes(UInt64.max >> 12) == UInt64.max - 4095)
    }

    @Test func hugePagesHoldTheirBasePages() {
        let top = UInt64.max >> 12
        let cases: [(number: UInt64, first: UInt64, index: UInt64)] = [
            (0, 0, 0), (1, 0, 1), (511, 0, 511), (512, 512, 0), (513, 512, 1), (1023, 512, 511),
            (top, top - 511, 511),
        ]
        for c in cases {
            #expect(HugePage.firstPage(ofNumber: c.number) == c.first, "firstPage(ofNumber: \(c.number))")
            #expect(HugePage.index(ofNumber: c.number) == c.index)
            #expect(HugePage.address(ofNumber: c.number) == Page.address(ofNumber: c.first))
            #expect(HugePage.isAligned(HugePage.address(ofNumber: c.number)))
        }
        for a: UInt64 in [0, 4096, (2 << 20) - 1, 2 << 20, (2 << 20) + 4096, UInt64.max] {
            let down = HugePage.alignDown(a)
            #expect(down <= a && a - down < HugePage.size && HugePage.isAligned(down))
            #expect(HugePage.isAligned(a) == (a == down))
        }
        #expect(HugePage.alignDown(UInt64.max) == UInt64.max - ((2 << 20) - 1))
    }
}
