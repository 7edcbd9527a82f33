/// The interposer's tick → nanosecond conversion: a line through the extreme calibration pairs.
///
/// A plain value with the conversion inlined where it is used (the merge converts every record's
/// tick); the arithmetic is the same Double formula as always, so times do not change.
struct TickClock {
    /// The earliest calibration pair's tick and nanoseconds.
    let anchorTick: UInt64
    let anchorNanoseconds: Double
    /// Nanoseconds per tick (1 when the pairs do not determine it).
    let rate: Double

    /// The clock of every calibration pair in `segments` (ticks are nanoseconds when the pairs agree 1:1).
    init(segments: [RecorderSegment]) {
        var lo: TickCalibration?, hi: TickCalibration?
        for s in segments {
            for p in s.calibrations {
                if lo == nil || p.tick < lo!.tick { lo = p }
                if hi == nil || p.tick > hi!.tick { hi = p }
            }
        }
        var rate = 1.0
        if let lo, let hi, hi.tick > lo.tick, hi.nanoseconds > lo.nanoseconds {
            rate = Double(hi.nanoseconds - lo.nanoseconds) / Double(hi.tick - lo.tick)
        }
        self.anchorTick = lo?.tick ?? 0
        self.anchorNanoseconds = Double(lo?.nanoseconds ?? 0)
        self.rate = rate
    }

    /// CLOCK_MONOTONIC nanoseconds of `tick` (0 for ticks before the clock's origin).
    @inline(__always) func nanoseconds(_ tick: UInt64) -> UInt64 {
        let ns = anchorNanoseconds + (Double(tick) - Double(anchorTick)) * rate
        return ns <= 0 ? 0 : UInt64(ns)
    }
}
