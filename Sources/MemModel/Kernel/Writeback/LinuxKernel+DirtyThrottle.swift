import MemTrace

extension LinuxKernel {
    /// `global_dirtyable_memory`: free pages above `totalreserve_pages` plus the file LRU lists.
    var dirtyableMemory: UInt64 {
        var fileLRU: UInt64 = 0
        for node in frames.nodeZones.indices {
            fileLRU += frames.lruPages(node, .inactiveFile) + frames.lruPages(node, .activeFile)
        }
        return DirtyThrottle.dirtyableMemory(free: frames.buddyFreePages, totalReserve: frames.totalReservePages, fileLRU: fileLRU)
    }

    /// The global thresholds now (`global_dirty_limits`).
    public func dirtyLimits() -> DirtyThrottle.Limits {
        DirtyThrottle.limits(available: dirtyableMemory, policy: writeback.policy)
    }

    /// `writeback_set_ratelimit`: `ratelimit_pages` from the thresholds now (at boot and when a
    /// dirty sysctl changes).
    mutating func setWritebackRatelimit() {
        writeback.ratelimitPages = DirtyThrottle.ratelimitPages(thresh: dirtyLimits().thresh, cpus: cpuCount)
    }

    var cpuCount: Int { (configuration.physical ?? PhysicalConfiguration()).cpus }

    /// Dirties page `index` of `file` for the current task (`folio_mark_dirty` with
    /// `folio_account_dirtied`: NR_DIRTIED, the task's and the CPU's counts, the inode's
    /// `dirtied_when` and the flusher's delayed wake-up), then `balance_dirty_pages_ratelimited`.
    /// True when the page was clean.
    @discardableResult
    mutating func dirtyFilePage(_ file: FileID, _ index: UInt64) -> Bool {
        guard cache.markDirty(file, index, now: writeback.now) else { return false }
        writeback.stats.nrDirtied += 1
        writeback.cpuDirtied += 1
        if let pid = currentPID { writeback.tasks[pid, default: .init()].nrDirtied += 1 }
        armPeriodicWriteback()
        balanceDirtyPagesRatelimited()
        return true
    }

    /// `balance_dirty_pages_ratelimited`: the task goes to `balance_dirty_pages` once it has
    /// dirtied `nr_dirtied_pause` pages (8 while the limit is exceeded), or when the CPU's count
    /// passed `ratelimit_pages`. (Pages dirtied by exited tasks, `dirty_throttle_leaks`, are not
    /// handed on.)
    mutating func balanceDirtyPagesRatelimited() {
        guard let pid = currentPID else { return }
        let task = writeback.tasks[pid, default: .init()]
        var ratelimit = task.nrDirtiedPause
        if writeback.dirtyExceeded { ratelimit = min(ratelimit, 32 >> (12 - 10)) }
        if task.nrDirtied >= ratelimit {
            writeback.cpuDirtied = 0
        } else if writeback.cpuDirtied >= writeback.ratelimitPages {
            writeback.cpuDirtied = 0
            ratelimit = 0
        }
        if task.nrDirtied >= ratelimit { balanceDirtyPages(pid, pagesDirtied: task.nrDirtied) }
    }

    /// `balance_dirty_pages` (mm/page-writeback.c, 6.1) for the global domain and the one
    /// writeback context: below the freerun ceiling the task runs on; above it background
    /// writeback starts and the task sleeps for the time its dirtied pages take at
    /// `task_ratelimit` = `dirty_ratelimit` × `pos_ratio`, less the time since its last pause,
    /// at most MAX_PAUSE (200 ms). Each pause is virtual time: added to the event's stall
    /// (`stall.dirtyThrottle`) and to the subsystem's clock, over which the disk completes
    /// requests and the flusher writes on.
    mutating func balanceDirtyPages(_ pid: ProcessID, pagesDirtied: Int64) {
        let hz = DirtyThrottle.hz
        let bw = writeback.writeBandwidthPages
        var task = writeback.tasks[pid, default: .init()]
        defer { writeback.tasks[pid] = task }
        while true {
            var now = writeback.jiffies
            let reclaimable = cache.dirtyPages
            let dirty = reclaimable + cache.writebackPages
            let limits = dirtyLimits()
            if reclaimable > limits.bgThresh { startBackgroundWriteback() }
            if dirty <= limits.freerun {
                task.dirtyPausedWhen = now
                task.nrDirtied = 0
                task.nrDirtiedPause = DirtyThrottle.pollInterval(dirty: dirty, thresh: limits.thresh)
                return
            }
            startBackgroundWriteback()
            writeback.dirtyExceeded = dirty > limits.thresh
            if now >= writeback.dirtyLimitStamp + DirtyThrottle.bandwidthInterval {
                writeback.dirtyLimit = DirtyThrottle.updatedDirtyLimit(writeback.dirtyLimit, thresh: limits.thresh, dirty: dirty)
                writeback.dirtyLimitStamp = now
            }
            let limit = max(limits.thresh, writeback.dirtyLimit)
            let posRatio = DirtyThrottle.positionRatio(dirty: dirty, limits: limits, limit: limit, writeBandwidth: bw)
            if now > writeback.bandwidthStamp + DirtyThrottle.bandwidthInterval {
                updateDirtyRatelimit(posRatio: posRatio, dirty: dirty, limits: limits, limit: limit, now: now)
            }
            let dirtyRatelimit = writeback.dirtyRatelimit
            let taskRatelimit = (dirtyRatelimit * UInt64(posRatio)) >> UInt64(DirtyThrottle.calcShift)
            let maxPause = DirtyThrottle.maxPause(wbDirty: dirty, writeBandwidth: bw)
            let (minPause, nrDirtiedPause) = DirtyThrottle.minPause(maxPause: maxPause, taskRatelimit: taskRatelimit,
                                                                    dirtyRatelimit: dirtyRatelimit, writeBandwidth: bw)
            var pause: Int64
            if taskRatelimit == 0 {
                pause = maxPause
            } else {
                let period = hz * pagesDirtied / Int64(taskRatelimit)
                pause = period
                if task.dirtyPausedWhen != 0 { pause -= now - task.dirtyPausedWhen }
                if pause < minPause {
                    if pause < -hz {
                        task.dirtyPausedWhen = now
                        task.nrDirtied = 0
                    } else if period != 0 {
                        task.dirtyPausedWhen += period
                        task.nrDirtied = 0
                    } else if task.nrDirtiedPause <= pagesDirtied {
                        task.nrDirtiedPause += pagesDirtied
                    }
                    return
                }
                if pause > maxPause {
                    now += min(pause - maxPause, maxPause)
                    pause = maxPause
                }
            }
            // io_schedule_timeout(pause): the disk and the flusher go on meanwhile.
            let ns = UInt64(pause) * DirtyThrottle.nsPerJiffy
            stall.dirtyThrottle += ns
            writeback.stats.pauses += 1
            writeback.stats.pausedNanoseconds += ns
            advanceWriteback(to: writeback.now + ns)
            task.dirtyPausedWhen = now + pause
            task.nrDirtied = 0
            task.nrDirtiedPause = nrDirtiedPause
            if taskRatelimit > 0 { return }
            if dirty <= DirtyThrottle.statError(cpus: cpuCount) { return }
        }
    }

    /// `__wb_update_bandwidth` with `update_ratelimit`: the dirty rate over the interval since
    /// the last update moves `dirty_ratelimit` toward the balanced rate (`wb_update_dirty_ratelimit`);
    /// the stamps restart. (The write bandwidth is the device's, not re-estimated.)
    mutating func updateDirtyRatelimit(posRatio: Int64, dirty: UInt64, limits: DirtyThrottle.Limits, limit: UInt64, now: Int64) {
        let elapsed = UInt64(max(now - writeback.bandwidthStamp, 1))
        let dirtied = writeback.stats.nrDirtied
        let rate = (dirtied - min(dirtied, writeback.dirtiedStamp)) * UInt64(DirtyThrottle.hz) / elapsed
        let setpoint = (limits.freerun + limit) / 2
        let (r, balanced) = DirtyThrottle.updatedRatelimit(
            ratelimit: writeback.dirtyRatelimit, balancedBefore: writeback.balancedDirtyRatelimit, posRatio: posRatio,
            dirtyRate: rate, writeBandwidth: writeback.writeBandwidthPages, dirty: dirty, setpoint: setpoint)
        writeback.dirtyRatelimit = r
        writeback.balancedDirtyRatelimit = balanced
        writeback.dirtiedStamp = dirtied
        writeback.writtenStamp = writeback.stats.nrWritten
        writeback.bandwidthStamp = now
    }
}
