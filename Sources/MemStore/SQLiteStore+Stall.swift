import MemModel
import MemReplay
import MemTrace

/// The per-event stalls of `SQLiteStore`: one `stalls` row per event that stalled.
extension SQLiteStore {
    public func stall(seq: UInt64, pid: ProcessID, _ s: MemoryStall) throws {
        add(.stalls) { r in
            r.put(Int64(bitPattern: seq)); r.put(pid.rawValue)
            r.put(Int64(s.directReclaim)); r.put(Int64(s.compaction)); r.put(Int64(s.memcgReclaim))
            r.put(Int64(s.swapIn)); r.put(Int64(s.refault)); r.put(Int64(s.dirtyThrottle))
            r.put(Int64(s.memory)); r.put(Int64(s.total))
        }
        try flushIfFull()
    }
}
