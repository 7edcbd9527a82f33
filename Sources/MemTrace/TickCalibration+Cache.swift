#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TickCalibration {

    /// The interposer's tick rate (nanoseconds per tick) measured now: two pairs `interval`
    /// nanoseconds apart; each pair brackets its CLOCK_MONOTONIC read with two tick reads, so over
    /// 100 ms the rate is good to about 1 ppm.
    public static func measureRate(interval: UInt64 = 100_000_000) -> Double? {
        let a = TickCalibration.now()
        var ts = timespec(tv_sec: Int(interval / 1_000_000_000), tv_nsec: Int(interval % 1_000_000_000))
        var left = timespec()
        while nanosleep(&ts, &left) != 0 && errno == EINTR { ts = left }
        let b = TickCalibration.now()
        guard b.tick > a.tick, b.nanoseconds > a.nanoseconds else { return nil }
        return Double(b.nanoseconds - a.nanoseconds) / Double(b.tick - a.tick)
    }

    /// The tick rate of this boot, calibrated once and kept in `cacheDirectory/tick-rate` with the
    /// boot's id (`/proc/sys/kernel/random/boot_id`): a new boot, or a VM moved to another host,
    /// calibrates again. `$MEMREPLAY_TICK_RATE` overrides it (tests force a wrong rate with it to
    /// exercise the fallback). Nil when no rate can be had (the merge then fits its line after exit).
    public static func cachedRate(cacheDirectory: String, environment: [String: String]) -> Double? {
        if let forced = environment["MEMREPLAY_TICK_RATE"] { return Double(forced).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } }
        let boot = PerfFaultCollector.readText("/proc/sys/kernel/random/boot_id")?.trimmedLine ?? "unknown"
        let path = cacheDirectory + "/tick-rate"
        if let text = PerfFaultCollector.readText(path) {
            let f = text.split(separator: " ")
            if f.count == 2, f[0] == boot, let rate = Double(f[1].trimmedLine), rate > 0, rate.isFinite { return rate }
        }
        guard let rate = measureRate() else { return nil }
        storeRate(rate, cacheDirectory: cacheDirectory)
        return rate
    }

    /// Keeps `rate` as this boot's (after a calibration, or a fallback whose run measured better).
    public static func storeRate(_ rate: Double, cacheDirectory: String) {
        let boot = PerfFaultCollector.readText("/proc/sys/kernel/random/boot_id")?.trimmedLine ?? "unknown"
        mkdir(cacheDirectory, 0o755)
        let path = cacheDirectory + "/tick-rate", temporary = path + ".\(getpid()).tmp"
        let bytes = Array("\(boot) \(rate)\n".utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if n == bytes.count { rename(temporary, path) } else { unlink(temporary) }
    }
}
