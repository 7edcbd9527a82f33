import Testing
@testable import MemModel

/// `get_scan_count`'s choice and arithmetic (mm/vmscan.c, 6.1), worked by hand.
@Suite struct ScanBalanceTests {
    @Test func theChoiceFollowsTheKernelsOrder() {
        #expect(ScanBalance.choose(.init(canReclaimAnon: false, swappiness: 60, priority: 12)) == .fileOnly)
        #expect(ScanBalance.choose(.init(canReclaimAnon: true, cgroupReclaim: true, swappiness: 0, priority: 12)) == .fileOnly)
        // Global reclaim swaps even at swappiness 0 (SCAN_FRACT with ap = 0).
        #expect(ScanBalance.choose(.init(canReclaimAnon: true, swappiness: 0, priority: 12)) == .fraction(anon: 0, file: 200))
        #expect(ScanBalance.choose(.init(canReclaimAnon: true, swappiness: 60, priority: 0)) == .equal)
        #expect(ScanBalance.choose(.init(canReclaimAnon: true, swappiness: 60, priority: 3, fileIsTiny: true, cacheTrimMode: true)) == .anonOnly)
        #expect(ScanBalance.choose(.init(canReclaimAnon: true, swappiness: 60, priority: 3, cacheTrimMode: true)) == .fileOnly)
    }

    @Test func theFractionWeighsSwappinessAndCost() {
        // No cost yet: T = 0, a = f = 0 → ap = 60, fp = 140.
        #expect(ScanBalance.choose(.init(canReclaimAnon: true, swappiness: 60, priority: 12)) == .fraction(anon: 60, file: 140))
        // anon_cost 100, file_cost 300: total 400, a = 500, f = 700, T = 1200;
        // ap = 60·1201/501 = 143, fp = 140·1201/701 = 239.
        let b = ScanBalance.choose(.init(canReclaimAnon: true, swappiness: 60, priority: 12, anonCost: 100, fileCost: 300))
        #expect(b == .fraction(anon: 143, file: 239))
        // 1 GiB inactive file at priority 12: 64 pages, 239/382 of them.
        #expect(b.scan(.inactiveFile, size: 262_144, priority: 12) == 64 * 239 / 382)
        #expect(b.scan(.inactiveAnon, size: 262_144, priority: 12) == 64 * 143 / 382)
        #expect(ScanBalance.fileOnly.scan(.activeAnon, size: 1 << 20, priority: 0) == 0)
        #expect(ScanBalance.equal.scan(.activeAnon, size: 1 << 20, priority: 4) == 1 << 16)
    }

    @Test func inactiveIsLowUsesTheSquareRootRatio() {
        // Below 1 GiB the ratio is 1.
        #expect(ScanBalance.inactiveIsLow(inactive: 100, active: 101))
        #expect(!ScanBalance.inactiveIsLow(inactive: 101, active: 100))
        // 10 GiB: ratio int_sqrt(100) = 10; inactive 1/11 of the total is just enough.
        let total: UInt64 = 10 << 18
        #expect(!ScanBalance.inactiveIsLow(inactive: total / 11 + 1, active: total - total / 11 - 1))
        #expect(ScanBalance.inactiveIsLow(inactive: total / 12, active: total - total / 12))
    }
}
