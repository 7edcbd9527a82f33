import Testing
@testable import MemModel

@Suite struct FrameTableTests {
    @Test func allocatesEveryFrameOnceThenFails() {
        var t = FrameTable(reservedPages: 10, totalPages: 100)
        var seen = Set<PageFrameNumber>()
        for _ in 0..<100 { #expect(seen.insert(t.allocate(for: .anonymous)!).inserted) }
        #expect(t.allocate(for: .anonymous) == nil)
        #expect(t.freePages == 0)
        #expect(seen.allSatisfy { $0.rawValue >= 10 && $0.rawValue < 110 })
        #expect(t.invariantViolations().isEmpty)
    }

    @Test func reusesTheMostRecentlyFreedFrame() {
        var t = FrameTable(reservedPages: 1, totalPages: 8)
        let a = t.allocate(for: .file)!, b = t.allocate(for: .file)!
        t.release(a)
        t.release(b)
        #expect(t.allocate(for: .anonymous) == b)
        #expect(t.pages(of: .file) == 0 && t.pages(of: .anonymous) == 1)
    }

    @Test func randomStormsConservePages() {
        var rng = TestRNG(42)
        var t = FrameTable(reservedPages: 4, totalPages: 4096)
        var held: [PageFrameNumber] = []
        let uses: [PageUse] = [.anonymous, .file, .shmem, .pageTable]
        for step in 0..<50_000 {
            if held.isEmpty || rng.below(100) < 55 {
                if let f = t.allocate(for: uses[Int(rng.below(4))]) { held.append(f) }
            } else {
                let i = Int(rng.below(UInt64(held.count)))
                held.swapAt(i, held.count - 1)
                t.release(held.removeLast())
            }
            if step % 5000 == 0 { #expect(t.invariantViolations().isEmpty) }
        }
        #expect(t.freePages + UInt64(held.count) == 4096)
        #expect(Set(held).count == held.count)
        #expect(t.invariantViolations().isEmpty)
    }

    @Test func invariantCheckerCatchesCorruption() {
        var t = FrameTable(reservedPages: 1, totalPages: 16)
        let f = t.allocate(for: .anonymous)!
        t.adjustMapCount(f, by: -1)
        #expect(!t.invariantViolations().isEmpty)
    }
}
