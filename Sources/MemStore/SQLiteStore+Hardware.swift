import CSQLite
import MemModel

/// The hardware rows of `SQLiteStore`: one `hw_accesses` row per modelled access, and the enum tables.
extension SQLiteStore {
    /// Stores the hardware outcome of the access with sequence number `seq`.
    @inline(__always)
    func recordHardware(_ seq: Int64, _ h: HardwareOutcome) {
        add(.hwAccesses) { s in
            s.put(seq); s.put(h.tlb.rawValue); s.put(h.walkReferences); s.put(UInt32(h.walkServed))
            s.put(h.servedBy.rawValue); s.put(h.dram.rawValue); s.put(h.dramChannel); s.put(h.dramRank)
            s.put(h.dramBank); s.put(h.numaNode); s.put(UInt8(h.remote ? 1 : 0)); s.put(h.latency)
        }
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
