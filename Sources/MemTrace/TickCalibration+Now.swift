#if canImport(Glibc)
import Glibc
#endif
import CPerf

extension TickCalibration {

    /// The interposer's tick and CLOCK_MONOTONIC read together now, by the recording command.
    public static func now() -> TickCalibration {
        var ts = timespec()
        let before = memreplay_recorder_tick()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let after = memreplay_recorder_tick()
        return TickCalibration(tick: before / 2 + after / 2, nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }
}
