/// The merge's last time per (pid, tid), so a thread's times never go backwards.
///
/// Each thread gets a slot once (streams keep theirs); a slot remembers whether the thread
/// emitted an event, for the summary's process and thread sets.
struct ThreadTimes {
    private var slots: [UInt64: Int] = [:]
    private var keys: [UInt64] = []
    private var times: [UInt64] = []
    private var used: [Bool] = []

    /// The slot of (pid, tid), made on first use.
    mutating func slot(pid: UInt32, tid: UInt32) -> Int {
        let key = UInt64(pid) << 32 | UInt64(tid)
        if let s = slots[key] { return s }
        let s = keys.count
        slots[key] = s
        keys.append(key); times.append(0); used.append(false)
        return s
    }

    /// The time of the thread's next event at `time`: no earlier than its previous one.
    @inline(__always) mutating func advance(_ slot: Int, to time: UInt64) -> UInt64 {
        let last = times[slot]
        if time <= last && used[slot] { return last }   // no write: no uniqueness check
        times[slot] = max(time, last)
        if !used[slot] { used[slot] = true }
        return times[slot]
    }

    /// The latest time of any thread (0 before any event).
    var latest: UInt64 { times.max() ?? 0 }

    /// Adds every thread that emitted an event, and its process, to the summary.
    func collect(into summary: inout RecordingSummary) {
        for (i, key) in keys.enumerated() where used[i] {
            summary.processes.insert(UInt32(truncatingIfNeeded: key >> 32))
            summary.threads.insert(UInt32(truncatingIfNeeded: key))
        }
    }
}
