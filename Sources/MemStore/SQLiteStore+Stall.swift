import MemModel
import MemReplay
import MemTrace

/// The per-event stalls of `SQLiteStore`: one `stalls` row per event that stalled.
extension SQLiteStore {
    public func stall(seq: UInt64, pid: ProcessID, _ s: MemoryStall) throws {
        let st = insertStall
        st.bind(1, Int64(bitPattern: seq)); st.bind(2, pid.rawValue)
        st.bind(3, Int64(s.directReclaim)); st.bind(4, Int64(s.compaction)); st.bind(5, Int64(s.memcgReclaim))
        st.bind(6, Int64(s.swapIn)); st.bind(7, Int64(s.refault)); st.bind(8, Int64(s.dirtyThrottle))
        st.bind(9, Int64(s.memory)); st.bind(10, Int64(s.total))
        try check(st.execute(), "stalls")
    }
}
