/// The `free -k` columns procps computes from /proc/meminfo (kB): one implementation for the
/// `free.*` counters and for the `free` views, so the metric and the view cannot disagree.
public enum FreeColumns {
    /// buff/cache: Buffers + Cached + SReclaimable (procps `meminfo.c` and 3.3's `sysinfo.c`).
    public static func buffCache(buffers: UInt64, cached: UInt64, sReclaimable: UInt64) -> UInt64 {
        buffers + cached + sReclaimable
    }

    /// used as procps 3.3 computes it (`meminfo()` in proc/sysinfo.c): MemTotal − MemFree −
    /// buff/cache, or MemTotal − MemFree when that is negative (buff/cache larger than what is
    /// not free, as on containers' distorted numbers); 0 if MemFree exceeds MemTotal.
    public static func usedProcps33(total: UInt64, free: UInt64, buffCache: UInt64) -> UInt64 {
        let used = Int64(total) - Int64(free) - Int64(buffCache)
        if used >= 0 { return UInt64(used) }
        return total >= free ? total - free : 0
    }

    /// used and available as procps-ng 4 computes them (`meminfo.c`, 4.0.2): available is
    /// MemAvailable, or MemFree when MemAvailable exceeds MemTotal; used is MemTotal − available,
    /// 0 when that is negative.
    public static func procps4(total: UInt64, free: UInt64, available: UInt64) -> (used: UInt64, available: UInt64) {
        let avail = available > total ? free : available
        return (total >= avail ? total - avail : 0, avail)
    }
}
