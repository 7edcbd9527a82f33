/// What reclaim costs the task that does it, in virtual time: the model's reclaim does the
/// kernel's work but takes no time, so these turn its work into the stall PSI and the per-event
/// stall column report. Set with `--set reclaim.scan_ns=…`, `--set reclaim.swapout_ns=…`.
///
/// Measured on the project's host (Linux 6.18, 2 vCPUs, rotational virtio disk) from the
/// `vmscan:mm_vmscan_memcg_reclaim_begin/end` and `mm_vmscan_lru_shrink_inactive` tracepoints
/// (docs/pressure.md, "Swap" and "Stalls and PSI"): `cat` of a 512 MiB file in a 64 MiB memory cgroup spent 91.3 ms in
/// 222 reclaim calls that scanned 115,215 clean file pages (792 ns per page scanned); a
/// 256 MiB anonymous toucher in a 128 MiB cgroup with swap spent 787.9 ms scanning 128,249 pages
/// and writing 33,006 to swap: 101.6 ms of it at the scan rate, 686 ms for the writes (20.8 µs
/// per page swapped out).
public struct StallCosts: Codable, Hashable, Sendable {
    /// Per page `shrink_inactive_list` scanned.
    public var scanNanoseconds: UInt64 = 792
    /// Per page reclaim wrote to swap (`pageout` → `swap_writepage`, with the waits it brings).
    public var swapOutNanoseconds: UInt64 = 20_800

    public init() {}

    /// The time a reclaim run that scanned `scanned` inactive pages and swapped out `swappedOut` took.
    public func reclaim(scanned: UInt64, swappedOut: UInt64) -> UInt64 {
        scanned * scanNanoseconds + swappedOut * swapOutNanoseconds
    }

    public static let settableKeys: [(key: String, meaning: String)] = [
        ("reclaim.scan_ns", "nanoseconds reclaim spends per inactive page scanned (stall accounting; default 792, measured)"),
        ("reclaim.swapout_ns", "nanoseconds reclaim spends per page written to swap (default 20800, measured)"),
    ]

    /// Applies `key=value`; false when the key is not one of these.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        guard key == "reclaim.scan_ns" || key == "reclaim.swapout_ns" else { return false }
        guard let v = UInt64(value), v < 1_000_000_000 else { throw ConfigurationError("\(key)=\(value): expected nanoseconds, 0 to 999999999") }
        if key == "reclaim.scan_ns" { scanNanoseconds = v } else { swapOutNanoseconds = v }
        return true
    }
}
