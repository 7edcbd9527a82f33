import Testing
@testable import MemModel

/// `RadixArray`, the xarray-shaped table of page caches, shadow entries and page tables: lookups,
/// growth, leaf reuse, ordered walks, and the checker, against a dictionary given the same storm.
@Suite struct RadixArrayTests {
    @Test func storesFindsAndRemovesAcrossHeights() {
        var a = RadixArray<UInt64>()
        #expect(a.isEmpty && a[0] == nil && a.invariantViolations().isEmpty)
        a[5] = 50
        #expect(a.height == 1 && a[5] == 50 && a[6] == nil && a[1 << 20] == nil)
        a[1 << 20] = 7            // grows the tree to reach 2^20 (4 levels of 6 bits)
        #expect(a.height == 4 && a[5] == 50 && a[1 << 20] == 7 && a.count == 2)
        a[UInt64.max] = 9         // the top key: 11 levels
        #expect(a.height == 11 && a[UInt64.max] == 9 && a[UInt64.max - 1] == nil)
        #expect(a.updateValue(51, forKey: 5) == 50 && a.count == 3)
        #expect(a.keys == [5, 1 << 20, UInt64.max] && a.values == [51, 7, 9])
        #expect(a.invariantViolations().isEmpty)
        #expect(a.removeValue(forKey: 1 << 20) == 7 && a.removeValue(forKey: 1 << 20) == nil)
        #expect(a.freeLeaves.count == 1, "the emptied leaf is unlinked for reuse")
        #expect(a.invariantViolations().isEmpty)
        a[3 << 30] = 1            // reuses the free leaf
        #expect(a.freeLeaves.isEmpty && a.leafCounts.count == 3 && a[3 << 30] == 1)
        for k in a.keys { a[k] = nil }
        #expect(a.isEmpty && a.height == 0 && a.invariantViolations().isEmpty)
    }

    @Test func rangesAndTruncation() {
        var a = RadixArray<Int>()
        for k in stride(from: UInt64(0), to: 1000, by: 3) { a[k] = Int(k) }
        #expect(a.entries(in: 10..<20).map(\.key) == [12, 15, 18])
        #expect(a.entries(in: 0..<UInt64.max).count == a.count)
        a.removeAll(from: 500)
        #expect(a.keys.last == 498 && a.count == 167 && a.invariantViolations().isEmpty)
        let literal: RadixArray<Int> = [4: 1, 2: 3]
        #expect(literal.entries.map(\.key) == [2, 4])
    }

    /// A seeded storm of stores and removals over sparse and dense keys agrees with a dictionary
    /// after every step, and the checker stays silent.
    @Test func agreesWithADictionaryUnderAStorm() {
        var rng = TestRNG(13)
        var a = RadixArray<UInt32>(), d: [UInt64: UInt32] = [:]
        for step in 0..<20_000 {
            let k: UInt64 = switch rng.next() % 3 { case 0: rng.next() % 300; case 1: rng.next() % 100_000; default: rng.next() }
            if rng.next() % 3 == 0 {
                #expect(a.removeValue(forKey: k) == d.removeValue(forKey: k))
            } else {
                let v = UInt32(truncatingIfNeeded: rng.next())
                #expect(a.updateValue(v, forKey: k) == d.updateValue(v, forKey: k))
            }
            if step % 2000 == 0 { #expect(a.invariantViolations().isEmpty) }
        }
        #expect(a.count == d.count)
        #expect(a.entries.map(\.key) == d.keys.sorted())
        for (k, v) in d { #expect(a[k] == v) }
        #expect(a.invariantViolations().isEmpty)
    }

    @Test func checkerCatchesAMiscountedLeaf() {
        var a = RadixArray<Int>()
        a[1] = 1; a[70] = 2
        a.miscountLeaf(of: 70, by: 1)
        #expect(a.invariantViolations().contains { $0.contains("counts 2 entries but holds 1") })
    }
}

extension RadixArrayTests {
    /// 512-slot nodes (the page tables' indices) hold the same values in fewer levels, and equal
    /// arrays of different widths compare equal.
    @Test func widerNodesHoldTheSameValues() {
        var wide = RadixArray<Int>(bits: 9), narrow = RadixArray<Int>()
        for k: UInt64 in [0, 511, 512, 1 << 26, (1 << 27) - 1] { wide[k] = Int(k & 0xffff); narrow[k] = Int(k & 0xffff) }
        #expect(wide.height == 3 && narrow.height == 5)
        #expect(wide == narrow && wide.invariantViolations().isEmpty)
        wide[512] = nil
        #expect(wide != narrow && wide.count == 4 && wide[511] == 511 && wide.invariantViolations().isEmpty)
    }
}
