import CSQLite
import MemModel
import MemTrace

/// The hardware rows of `SQLiteStore`: an access row with its hardware outcome packed into the
/// four columns `StoreSchema.hardwareColumns` describes, and the enum tables naming the codes.
extension SQLiteStore {
    /// Stores the access with sequence number `seq`, its translation and its hardware outcome.
    @inline(__always)
    func recordAccess(_ seq: Int64, _ rec: TraceRecord, _ a: MemoryAccess, _ t: Translation, _ h: HardwareOutcome) {
        add(.hardwareAccesses) { r in
            r.putEvent(seq, rec); r.put(a.kind.rawValue); r.put(a.address.rawValue); r.put(a.size)
            r.put(t.fault.rawValue); r.put(t.frame.rawValue); r.put(t.vma.rawValue)
            r.put(SQLiteStore.packedOutcome(h)); r.put(SQLiteStore.packedWalk(h)); r.put(SQLiteStore.packedDRAM(h))
            r.put(h.latency)
        }
    }

    /// The `hw` column: `tlb` | `served_by` << 2 | `dram` << 5 | `remote` << 7 | `numa_node` << 8.
    @inline(__always)
    static func packedOutcome(_ h: HardwareOutcome) -> Int64 {
        Int64(h.tlb.rawValue) | Int64(h.servedBy.rawValue) << 2 | Int64(h.dram.rawValue) << 5
            | Int64(h.remote ? 1 : 0) << 7 | Int64(h.numaNode) << 8
    }

    /// The `walk` column: `walk_refs` | `walk_served` << 8.
    @inline(__always)
    static func packedWalk(_ h: HardwareOutcome) -> Int64 { Int64(h.walkReferences) | Int64(h.walkServed) << 8 }

    /// The `dram_loc` column: `dram_bank` | `dram_rank` << 8 | `dram_channel` << 16.
    @inline(__always)
    static func packedDRAM(_ h: HardwareOutcome) -> Int64 {
        Int64(h.dramBank) | Int64(h.dramRank) << 8 | Int64(h.dramChannel) << 16
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
