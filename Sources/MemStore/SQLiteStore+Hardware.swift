import CSQLite
import MemModel

/// The hardware rows of `SQLiteStore`: one `hw_accesses` row per modelled access, and the enum tables.
extension SQLiteStore {
    /// Stores the hardware outcome of the access with sequence number `seq`.
    @inline(__always)
    func recordHardware(_ seq: Int64, _ h: HardwareOutcome) throws {
        let s = insertHardwareAccess
        s.bind(1, seq); s.bind(2, h.tlb.rawValue); s.bind(3, h.walkReferences); s.bind(4, UInt32(h.walkServed))
        s.bind(5, h.servedBy.rawValue); s.bind(6, h.dram.rawValue); s.bind(7, h.dramChannel); s.bind(8, h.dramRank)
        s.bind(9, h.dramBank); s.bind(10, h.numaNode); s.bind(11, UInt8(h.remote ? 1 : 0)); s.bind(12, h.latency)
        try check(s.execute(), "hw_accesses")
    }

    /// Names for the codes of `hw_accesses`.
    func fillHardwareEnums() throws {
        for (table, rows) in [("tlb_outcomes", TLBOutcome.allCases.map { (Int64($0.rawValue), $0.name) }),
                              ("memory_levels", MemoryLevel.allCases.map { (Int64($0.rawValue), $0.name) }),
                              ("dram_outcomes", DRAMOutcome.allCases.map { (Int64($0.rawValue), $0.name) })] {
            let stmt = try db.prepare("INSERT INTO \(table) (id, name) VALUES (?1, ?2)")
            defer { stmt.finalize() }
            for (id, name) in rows {
                stmt.bind(1, id); stmt.bind(2, name)
                try check(stmt.execute(), "hardware enum tables")
            }
        }
    }
}
