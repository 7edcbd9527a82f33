import Testing
@testable import MemModel

/// PSI's averaging arithmetic (kernel/sched/psi.c `update_averages`, `calc_avgs`; loadavg's
/// `calc_load`, `fixed_power_int`), worked by hand.
@Suite struct PressureAveragesTests {
    @Test func oneSecondOfStallInTheFirstPeriod() {
        var p = PressureAverages()
        p.record(stall: 1_000_000_000, at: 1_500_000_000)
        p.advance(to: PressureAverages.period)
        // pct = 1e9·100/2.001e9 = 49 → 49·2048 = 100,352; avg10 = (100,352·(2048−1677) + 2047)/2048 = 18,179
        // = 8 + 1795/2048 → "8.87"; avg60 = (100,352·67 + 2047)/2048 = 3283 → "1.60"; avg300 = (100,352·14 + 2047)/2048 = 687 → "0.33".
        #expect(p.averages[0] == 18_179)
        #expect(p.averages[1] == 3283)
        #expect(p.averages[2] == (100_352 * 14 + 2047) / 2048)
        #expect(p.text == "avg10=8.87 avg60=1.60 avg300=0.33 total=1000000")
    }

    @Test func idlePeriodsDecayTheAverages() {
        var p = PressureAverages()
        p.record(stall: 2_001_000_000, at: 2_000_000_000)
        p.advance(to: PressureAverages.period)
        let full = p.averages[0]
        #expect(full == (100 * 2048 * 371 + 2047) / 2048)
        // Ten idle periods later: avg10 decays by EXP_10s¹⁰ (missed periods, then one empty sample).
        p.advance(to: PressureAverages.period * 11)
        #expect(p.averages[0] < full / 5)
        #expect(p.total == 2_001_000_000)
        #expect(PressureAverages.fixedPower(1677, 1) == 1677)
        #expect(PressureAverages.fixedPower(1677, 2) == (1677 * 1677 + 1024) >> 11)
    }
}
