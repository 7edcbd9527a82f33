/// The hardware part of the run database: the hardware outcome packed into four columns of the
/// access's own row, the `hw_accesses` view that unpacks them, enum tables naming the codes, and
/// the `v_hw_accesses` view.
///
/// Packing (`HardwareOutcome` → columns; every field kept whole, so the views give back exactly
/// the values of schema version 6's `hw_accesses` table):
/// - `hw` = `tlb` | `served_by` << 2 | `dram` << 5 | `remote` << 7 | `numa_node` << 8 — an access
///   served locally from node 0 fits one byte;
/// - `walk` = `walk_refs` | `walk_served` << 8 — 0 (no body byte) without a page walk;
/// - `dram_loc` = `dram_bank` | `dram_rank` << 8 | `dram_channel` << 16 — 0 unless DRAM served it;
/// - `latency` in cycles.
/// An access the hardware model did not model has NULL in all four.
extension StoreSchema {
    /// The hardware outcome columns of `accesses`, after `vma` (nullable, so that a run without the
    /// hardware model can add them after the load with `ALTER TABLE … ADD COLUMN`).
    public static let hardwareColumns = "hw INTEGER, walk INTEGER, dram_loc INTEGER, latency INTEGER"

    /// Adds the hardware columns to an `accesses` table created without them (no row is rewritten:
    /// a record shorter than the table reads NULL in its missing trailing columns).
    public static let addHardwareColumns = """
        ALTER TABLE accesses ADD COLUMN hw INTEGER;
        ALTER TABLE accesses ADD COLUMN walk INTEGER;
        ALTER TABLE accesses ADD COLUMN dram_loc INTEGER;
        ALTER TABLE accesses ADD COLUMN latency INTEGER;
        """

    public static let hardwareTables = """
        CREATE TABLE tlb_outcomes (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE memory_levels (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE dram_outcomes (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        """

    /// The one-row INSERT of an access with its hardware outcome.
    public static let insertHardwareAccess = """
        INSERT INTO accesses (seq, pid, tid, time, kind, address, size, fault, frame, vma, hw, walk, dram_loc, latency)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
        """

    /// `hw_accesses`: one row per modelled access with the columns of schema version 6's table of
    /// that name — `seq`, `tlb`, `walk_refs`, `walk_served`, `served_by`, `dram`, `dram_channel`,
    /// `dram_rank`, `dram_bank`, `numa_node`, `remote`, `latency`. A run without the hardware model
    /// (`hardware` false) has it empty without reading `accesses`.
    public static func hardwareViews(hardware: Bool) -> String {
        """
        CREATE VIEW hw_accesses AS
            SELECT seq, hw & 3 AS tlb, walk & 255 AS walk_refs, walk >> 8 AS walk_served, (hw >> 2) & 7 AS served_by,
                (hw >> 5) & 3 AS dram, dram_loc >> 16 AS dram_channel, (dram_loc >> 8) & 255 AS dram_rank,
                dram_loc & 255 AS dram_bank, hw >> 8 AS numa_node, (hw >> 7) & 1 AS remote, latency
            FROM accesses WHERE \(hardware ? "hw IS NOT NULL" : "0");
        \(hardwareNamedView)
        """
    }

    /// `v_hw_accesses`: every modelled access with its process, kind, address, VMA and the names of
    /// its TLB outcome, serving level and DRAM outcome. `walk_served` keeps 3 bits per walk
    /// reference (a `memory_levels` id), first reference in the low bits.
    static let hardwareNamedView = """
        CREATE VIEW v_hw_accesses AS
            SELECT h.seq, a.pid, k.name AS kind, a.address, a.size, a.vma, t.name AS tlb, h.walk_refs,
                h.walk_served, m.name AS served_by, d.name AS dram, h.dram_channel, h.dram_rank, h.dram_bank,
                h.numa_node, h.remote, h.latency
            FROM hw_accesses h JOIN accesses a ON a.seq = h.seq
            JOIN access_kinds k ON k.id = a.kind JOIN tlb_outcomes t ON t.id = h.tlb
            JOIN memory_levels m ON m.id = h.served_by JOIN dram_outcomes d ON d.id = h.dram;
        """
}
