import MemTrace

/// The arithmetic of dirty throttling (mm/page-writeback.c, Linux 6.1) as pure functions of
/// pages, pages per second and jiffies: the global thresholds (`domain_dirty_limits`), the
/// position ratio (`pos_ratio_polynom`, `wb_position_ratio`), the rate limit's update
/// (`wb_update_dirty_ratelimit`) and the pause bounds (`wb_max_pause`, `wb_min_pause`).
///
/// The model has one backing device with one writeback context (`bdi->wb`) that does all the
/// writeout, so its share of the thresholds is all of them: `__wb_calc_thresh` with a writeout
/// fraction of 1, `bdi_min_ratio` 0 and `max_ratio` 100 gives `wb_thresh = thresh`, and
/// `wb_dirty` is the global dirty count. No strictlimit (FUSE), no laptop mode, no memcg domain.
/// The real-time task boost of `domain_dirty_limits` (thresholds +¼ for `rt_task`) is left out:
/// recorded processes are not real-time.
public enum DirtyThrottle {
    /// CONFIG_HZ of Debian's 6.1 kernels: jiffies per second.
    public static let hz: Int64 = 250
    /// Nanoseconds per jiffy.
    public static let nsPerJiffy: UInt64 = 1_000_000_000 / UInt64(hz)
    /// MAX_PAUSE: the longest single pause, HZ/5 (200 ms).
    public static let maxPause: Int64 = max(hz / 5, 1)
    /// BANDWIDTH_INTERVAL: how often the rate limit and the dirty limit are updated (200 ms).
    public static let bandwidthInterval: Int64 = max(hz / 5, 1)
    /// RATELIMIT_CALC_SHIFT: the fixed-point shift of `pos_ratio`.
    public static let calcShift = 10
    /// DIRTY_POLL_THRESH: the target pages between two calls of `balance_dirty_pages`.
    public static let pollThresh: Int64 = 32
    /// INIT_BW: the initial write bandwidth and rate limit, 100 MB/s in pages per second.
    public static let initBandwidth: UInt64 = 100 << (20 - 12)

    /// The thresholds `domain_dirty_limits` computes for `available` dirtyable pages.
    public struct Limits: Hashable, Sendable {
        /// `thresh`: dirty + writeback pages at which writers are held to the device's pace.
        public var thresh: UInt64
        /// `bg_thresh`: dirty pages above which the flusher writes in the background.
        public var bgThresh: UInt64
        /// `dirty_freerun_ceiling`: (thresh + bg_thresh) / 2, below which writers run free.
        public var freerun: UInt64 { (thresh + bgThresh) / 2 }
    }

    /// `global_dirtyable_memory`: free pages above `totalreserve_pages` plus the file LRU, + 1
    /// (no highmem on x86_64).
    public static func dirtyableMemory(free: UInt64, totalReserve: UInt64, fileLRU: UInt64) -> UInt64 {
        free - min(free, totalReserve) + fileLRU + 1
    }

    /// `domain_dirty_limits` for the global domain: the bytes forms, when set, override the
    /// ratios (`DIV_ROUND_UP(bytes, PAGE_SIZE)`); the ratios are taken per PAGE_SIZE for
    /// precision; a background threshold at or above the throttling one becomes half of it.
    public static func limits(available: UInt64, policy p: WritebackPolicy) -> Limits {
        let pageSize = Page.size
        let ratio = p.dirtyRatio * pageSize / 100, bgRatio = p.dirtyBackgroundRatio * pageSize / 100
        let thresh = p.dirtyBytes != 0 ? (p.dirtyBytes + pageSize - 1) / pageSize : ratio * available / pageSize
        var bg = p.dirtyBackgroundBytes != 0 ? (p.dirtyBackgroundBytes + pageSize - 1) / pageSize : bgRatio * available / pageSize
        if bg >= thresh { bg = thresh / 2 }
        return Limits(thresh: thresh, bgThresh: bg)
    }

    /// `pos_ratio_polynom`: 1 + ((setpoint − dirty) / (limit − setpoint))³ in 1/1024ths, clamped to [0, 2].
    public static func posRatioPolynom(setpoint: UInt64, dirty: UInt64, limit: UInt64) -> Int64 {
        let x = ((Int64(setpoint) - Int64(dirty)) << calcShift) / (Int64(bitPattern: (limit &- setpoint) | 1))
        var r = x
        r = (r &* x) >> calcShift
        r = (r &* x) >> calcShift
        r += 1 << calcShift
        return min(max(r, 0), 2 << calcShift)
    }

    /// `wb_position_ratio` for the single writeback context (`wb_thresh` = `thresh`, `wb_dirty`
    /// = `dirty`): the global control line, scaled by the wb control line (slope 1/(8·write_bw))
    /// and its reserve area below `wb_thresh`/2. `limit` is `hard_dirty_limit`.
    public static func positionRatio(dirty: UInt64, limits l: Limits, limit: UInt64, writeBandwidth bw: UInt64) -> Int64 {
        guard dirty < limit else { return 0 }
        let setpoint = (l.freerun + limit) / 2
        var pos = posRatioPolynom(setpoint: setpoint, dirty: dirty, limit: limit)
        let wbDirty = dirty
        let wbThresh = max(l.thresh, (limit - dirty) / 8)
        let x = (wbThresh << 16) / (l.thresh | 1)
        let wbSetpoint = (setpoint * x) >> 16
        let span = ((l.thresh &- wbThresh &+ 8 * bw) &* x) >> 16
        let intercept = wbSetpoint + span
        if wbDirty < intercept - span / 4 {
            pos = Int64((UInt64(pos) * (intercept - wbDirty)) / ((intercept - wbSetpoint) | 1))
        } else {
            pos /= 4
        }
        let reserve = wbThresh / 2
        if wbDirty < reserve {
            pos = wbDirty > reserve / 8 ? Int64(UInt64(pos) * reserve / wbDirty) : pos * 8
        }
        return pos
    }

    /// `update_dirty_limit`: the domain's `dirty_limit` follows a rising threshold at once and
    /// a falling one by 1/32 of the gap per update, never below the dirty pages.
    public static func updatedDirtyLimit(_ limit: UInt64, thresh: UInt64, dirty: UInt64) -> UInt64 {
        if limit < thresh { return thresh }
        let target = max(thresh, dirty)
        return limit > target ? limit - (limit - target) >> 5 : limit
    }

    /// `wb_update_dirty_ratelimit`: the balanced rate (`task_ratelimit · write_bw / dirty_rate`)
    /// and the base rate limit moved toward it by a step that shrinks near the target, only in
    /// the direction the position error also asks for. Returns (dirty_ratelimit, balanced).
    public static func updatedRatelimit(ratelimit: UInt64, balancedBefore: UInt64, posRatio: Int64, dirtyRate: UInt64,
                                        writeBandwidth bw: UInt64, dirty: UInt64, setpoint: UInt64) -> (UInt64, UInt64) {
        let taskRatelimit = ((ratelimit * UInt64(posRatio)) >> UInt64(calcShift)) + 1
        let balanced = min(taskRatelimit * bw / (dirtyRate | 1), bw)
        var step: UInt64 = 0
        if dirty < setpoint {
            let x = min(balancedBefore, balanced, taskRatelimit)
            if ratelimit < x { step = x - ratelimit }
        } else {
            let x = max(balancedBefore, balanced, taskRatelimit)
            if ratelimit > x { step = ratelimit - x }
        }
        let shift = ratelimit / (2 * step + 1)
        step = shift < 64 ? ((step >> shift) + 7) / 8 : 0
        let next = ratelimit < balanced ? ratelimit + step : ratelimit - min(step, ratelimit)
        return (max(next, 1), balanced)
    }

    /// `dirty_poll_interval`: pages a task may dirty before the next check, √-scaled to the
    /// margin below the threshold.
    public static func pollInterval(dirty: UInt64, thresh: UInt64) -> Int64 {
        thresh > dirty ? 1 << (Int64(ilog2(thresh - dirty)) >> 1) : 1
    }

    /// `wb_max_pause`: at most MAX_PAUSE, less when few dirty pages would drain the device's queue.
    public static func maxPause(wbDirty: UInt64, writeBandwidth bw: UInt64) -> Int64 {
        let t = Int64(wbDirty / (1 + bw / roundUpPowerOfTwo(UInt64(1 + hz / 8)))) + 1
        return min(t, maxPause)
    }

    /// `wb_min_pause`: the shortest pause worth sleeping and the pages to dirty before the next
    /// check (`nr_dirtied_pause`), aiming at 10 ms pauses for one writer.
    public static func minPause(maxPause: Int64, taskRatelimit: UInt64, dirtyRatelimit: UInt64,
                                writeBandwidth bw: UInt64) -> (minPause: Int64, nrDirtiedPause: Int64) {
        let hi = Int64(ilog2(bw)), lo = Int64(ilog2(dirtyRatelimit))
        var t = max(1, hz / 100)
        if hi > lo { t += (hi - lo) * (10 * hz) / 1024 }
        t = min(t, 1 + maxPause / 2)
        let hzRound = Int64(roundUpPowerOfTwo(UInt64(hz)))
        var pages = Int64(dirtyRatelimit) * t / hzRound
        if pages < pollThresh {
            t = maxPause
            pages = Int64(dirtyRatelimit) * t / hzRound
            if pages > pollThresh {
                pages = pollThresh
                t = hz * pollThresh / Int64(dirtyRatelimit)
            }
        }
        let pause = hz * pages / (Int64(taskRatelimit) + 1)
        if pause > maxPause {
            t = maxPause
            pages = Int64(taskRatelimit) * t / hzRound
        }
        return (pages >= pollThresh ? 1 + t / 2 : t, pages)
    }

    /// `ratelimit_pages` (`writeback_set_ratelimit`): the per-CPU budget of pages dirtied before a
    /// task is sent to `balance_dirty_pages` regardless of its own count.
    public static func ratelimitPages(thresh: UInt64, cpus: Int) -> UInt64 {
        max(thresh / (UInt64(max(cpus, 1)) * 32), 16)
    }

    /// `wb_stat_error`: the per-CPU counters' worst error, WB_STAT_BATCH × nr_cpu_ids.
    public static func statError(cpus: Int) -> UInt64 {
        let n = UInt64(max(cpus, 1))
        return 8 * (1 + UInt64(ilog2(n))) * n
    }

    /// `writeback_chunk_size` for background and periodic work: half a second of bandwidth or
    /// 1/8 of the dirty limit, whichever is less, rounded down to MIN_WRITEBACK_PAGES (4 MiB)
    /// after adding it.
    public static func chunkPages(writeBandwidth bw: UInt64, dirtyLimit: UInt64) -> UInt64 {
        let minPages: UInt64 = 1024
        let pages = min(bw / 2, dirtyLimit / 8)
        return (pages + minPages) / minPages * minPages
    }

    static func ilog2(_ v: UInt64) -> Int { v == 0 ? 0 : 63 - v.leadingZeroBitCount }
    static func roundUpPowerOfTwo(_ v: UInt64) -> UInt64 { v <= 1 ? 1 : 1 << UInt64(64 - (v - 1).leadingZeroBitCount) }
}
