#if canImport(Glibc)
import Glibc
#endif
import CPerf

extension TickCalibration {

    /// The interposer's tick and CLOCK_MONOTONIC read together now, by the recording command: of
    /// eight tries, the one whose two tick reads around `clock_gettime` lie closest together (a
    /// try the scheduler interrupted would put the pair microseconds off).
    public static func now() -> TickCalibration {
        var best = TickCalibration(tick: 0, nanoseconds: 0), width = UInt64.max
        for _ in 0..<8 {
            var ts = timespec()
            let before = memreplay_recorder_tick()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            let after = memreplay_recorder_tick()
            if after >= before && after - before < width {
                width = after - before
                best = TickCalibration(tick: before / 2 + after / 2, nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
            }
        }
        return best
    }
}
