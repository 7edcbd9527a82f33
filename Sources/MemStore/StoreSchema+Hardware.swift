/// The hardware part of the run database: one `hw_accesses` row per modelled access (the event
/// sequence as rowid), enum tables naming its codes, and the `v_hw_accesses` view.
extension StoreSchema {
    public static let hardwareTables = """
        CREATE TABLE hw_accesses (seq INTEGER PRIMARY KEY, tlb INTEGER NOT NULL, walk_refs INTEGER NOT NULL,
            walk_served INTEGER NOT NULL, served_by INTEGER NOT NULL, dram INTEGER NOT NULL,
            dram_channel INTEGER NOT NULL, dram_rank INTEGER NOT NULL, dram_bank INTEGER NOT NULL,
            numa_node INTEGER NOT NULL, remote INTEGER NOT NULL, latency INTEGER NOT NULL);
        CREATE TABLE tlb_outcomes (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE memory_levels (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE dram_outcomes (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        """

    public static let insertHardwareAccess = """
        INSERT INTO hw_accesses (seq, tlb, walk_refs, walk_served, served_by, dram, dram_channel, dram_rank,
            dram_bank, numa_node, remote, latency) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
        """

    /// `v_hw_accesses`: every modelled access with its process, kind, address, VMA and the names of
    /// its TLB outcome, serving level and DRAM outcome. `walk_served` keeps 3 bits per walk
    /// reference (a `memory_levels` id), first reference in the low bits.
    public static let hardwareViews = """
        CREATE VIEW v_hw_accesses AS
            SELECT h.seq, e.pid, k.name AS kind, a.address, a.size, a.vma, t.name AS tlb, h.walk_refs,
                h.walk_served, m.name AS served_by, d.name AS dram, h.dram_channel, h.dram_rank, h.dram_bank,
                h.numa_node, h.remote, h.latency
            FROM hw_accesses h JOIN accesses a ON a.seq = h.seq JOIN events e ON e.seq = h.seq
            JOIN access_kinds k ON k.id = a.kind JOIN tlb_outcomes t ON t.id = h.tlb
            JOIN memory_levels m ON m.id = h.served_by JOIN dram_outcomes d ON d.id = h.dram;
        """
}
