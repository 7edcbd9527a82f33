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

    /// The clock of every calibration pair in `segments` and of `extra` (the recording command's
    /// own pairs); ticks are nanoseconds when the pairs agree 1:1.
    init(segments: [RecorderSegment], extra: [TickCalibration] = []) {
        var lo: TickCalibration?, hi: TickCalibration?
        for p in segments.flatMap(\.calibrations) + extra {
            if lo == nil || p.tick < lo!.tick { lo = p }
            if hi == nil || p.tick > hi!.tick { hi = p }
        }
        var rate = 1.0
        if let lo, let hi, hi.tick > lo.tick, hi.nanoseconds > lo.nanoseconds {
            rate = Double(hi.nanoseconds - lo.nanoseconds) / Double(hi.tick - lo.tick)
        }
        self.anchorTick = lo?.tick ?? 0
        self.anchorNanoseconds = Double(lo?.nanoseconds ?? 0)
        self.rate = rate
    }

    /// A clock fixed before the run: `rate` nanoseconds per tick from `anchor` on
    /// (`RecordingClock`).
    init(anchor: TickCalibration, rate: Double) {
        self.anchorTick = anchor.tick
        self.anchorNanoseconds = Double(anchor.nanoseconds)
        self.rate = rate
    }

    /// The tick of CLOCK_MONOTONIC `ns`, rounded up: a fault sample never sorts before the record
    /// stamped in the same tick.
    func tick(_ ns: UInt64) -> UInt64 {
        let t = (Double(anchorTick) + (Double(ns) - anchorNanoseconds) / rate).rounded(.up)
        return t <= 0 ? 0 : UInt64(t)
    }

    /// CLOCK_MONOTONIC nanoseconds of `tick` (0 for ticks before the clock's origin).
    @inline(__always) func nanoseconds(_ tick: UInt64) -> UInt64 {
        let ns = anchorNanoseconds + (Double(tick) - Double(anchorTick)) * rate
        return ns <= 0 ? 0 : UInt64(ns)
    }
}
