/// The running averages of one pressure state (SOME or FULL) as kernel/sched/psi.c keeps them:
/// the share of each 2-second period spent stalled, folded into 10 s, 60 s and 300 s exponential
/// averages in 11-bit fixed point, and the total stall time.
///
/// Time is the model's virtual time in nanoseconds (the trace's timestamps). `record(stall:at:)`
/// adds stall time; `advance(to:)` runs `update_averages` for every period boundary passed.
public struct PressureAverages: Hashable, Sendable {
    /// FSHIFT, FIXED_1 (include/linux/sched/loadavg.h).
    static let fixedShift: UInt64 = 11
    static let fixed1: UInt64 = 1 << 11
    /// EXP_10s, EXP_60s, EXP_300s: 1/exp(2s/10s), 1/exp(2s/60s), 1/exp(2s/300s) in fixed point.
    static let decay: [UInt64] = [1677, 1981, 2034]
    /// PSI_FREQ: 2 s + 1 tick (HZ 1000 → 1 ms), in ns.
    public static let period: UInt64 = 2_001_000_000

    /// avg10, avg60, avg300 in fixed point (percent · FIXED_1).
    public private(set) var averages: [UInt64] = [0, 0, 0]
    /// Total stall time, ns (`group->total`).
    public private(set) var total: UInt64 = 0
    /// The part of `total` already folded into the averages (`group->avg_total`).
    private var averagedTotal: UInt64 = 0
    /// `avg_last_update` and `avg_next_update`, ns.
    private var lastUpdate: UInt64 = 0
    private var nextUpdate: UInt64 = PressureAverages.period

    public init() {}

    /// Adds `stall` ns of stall that ended at `time` (after folding in the periods before it).
    public mutating func record(stall: UInt64, at time: UInt64) {
        advance(to: time)
        total += stall
    }

    /// `psi_avgs_work` → `update_averages` at each period boundary up to `time`: the periods with
    /// no update in between count as missed (`calc_load_n` with no activity), the latest as sampled.
    public mutating func advance(to time: UInt64) {
        guard time >= nextUpdate else { return }
        let expires = nextUpdate
        let missed = (time - expires) / PressureAverages.period
        let period = time - (lastUpdate + missed * PressureAverages.period)
        lastUpdate = time
        var sample = total - averagedTotal
        if sample > period { sample = period }
        averagedTotal += sample
        for i in 0..<3 {
            if missed > 0 { averages[i] = PressureAverages.calcLoadN(averages[i], PressureAverages.decay[i], 0, missed) }
            let pct = sample * 100 / max(period, 1) * PressureAverages.fixed1
            averages[i] = PressureAverages.calcLoad(averages[i], PressureAverages.decay[i], pct)
        }
        nextUpdate = expires + (1 + missed) * PressureAverages.period
    }

    /// `calc_load`: load · exp + active · (1 − exp), rounded up while rising.
    static func calcLoad(_ load: UInt64, _ exp: UInt64, _ active: UInt64) -> UInt64 {
        var newload = load * exp + active * (fixed1 - exp)
        if active >= load { newload += fixed1 - 1 }
        return newload / fixed1
    }

    /// `calc_load_n`: `calc_load` applied n times, with exp raised to the nth power (`fixed_power_int`).
    static func calcLoadN(_ load: UInt64, _ exp: UInt64, _ active: UInt64, _ n: UInt64) -> UInt64 {
        calcLoad(load, fixedPower(exp, n), active)
    }

    /// `fixed_power_int(x, FSHIFT, n)`: xⁿ in fixed point, rounding each product.
    static func fixedPower(_ x: UInt64, _ n: UInt64) -> UInt64 {
        var result = fixed1, x = x, n = n
        if n > 0 {
            while true {
                if n & 1 != 0 {
                    result *= x
                    result += 1 << (fixedShift - 1)
                    result >>= fixedShift
                }
                n >>= 1
                if n == 0 { break }
                x *= x
                x += 1 << (fixedShift - 1)
                x >>= fixedShift
            }
        }
        return result
    }

    /// "avg10=%lu.%02lu avg60=%lu.%02lu avg300=%lu.%02lu total=%llu" (`psi_show`; total in µs).
    public var text: String {
        let parts = averages.map { a -> String in
            let whole = a >> PressureAverages.fixedShift
            let frac = ((a & (PressureAverages.fixed1 - 1)) * 100) >> PressureAverages.fixedShift
            return "\(whole).\(frac < 10 ? "0" : "")\(frac)"
        }
        return "avg10=\(parts[0]) avg60=\(parts[1]) avg300=\(parts[2]) total=\(total / 1000)"
    }
}
