import CSQLite
import Foundation
import Testing
@testable import MemStore

/// The queries rewritten for speed at 10^7 accesses (docs/performance.md, "Every query under 1 s")
/// return exactly what the original text returned, row for row, on a replay with the full hardware
/// model, the same with extra phase markers, and a replay without hardware (no rows at all).
@Suite struct QueryRewriteTests {
    /// The texts before the rewrite (queries/ at 35b116d), comments dropped.
    static let originals: [String: String] = [
        "top-fault-addresses.sql": """
            SELECT f.pid,
                   printf('0x%x', f.address) AS page,
                   count(*) AS faults,
                   (SELECT group_concat(name, ',') FROM (
                        SELECT DISTINCT k.name FROM faults g JOIN fault_kinds k ON k.id = g.kind
                        WHERE g.pid = f.pid AND g.address = f.address ORDER BY k.name)) AS kinds,
                   f.vma,
                   coalesce(v.name, '') AS vma_name,
                   min(f.seq) AS first_seq,
                   max(f.seq) AS last_seq
            FROM faults f
            LEFT JOIN vmas v ON v.id = f.vma
            GROUP BY f.pid, f.address
            ORDER BY faults DESC, f.pid, f.address
            LIMIT 20;
            """,
        "hw-latency-percentiles.sql": """
            WITH ranked AS (
                SELECT latency, ROW_NUMBER() OVER (ORDER BY latency) AS r, COUNT(*) OVER () AS n FROM hw_accesses),
            q(label, frac) AS (VALUES ('p50', 0.50), ('p90', 0.90), ('p99', 0.99), ('p99.9', 0.999), ('max', 1.0))
            SELECT 'all' AS served_by, q.label AS percentile,
                (SELECT MIN(latency) FROM ranked WHERE r >= CAST(q.frac * n + 0.999999 AS INTEGER)) AS latency_cycles
            FROM q
            UNION ALL
            SELECT m.name, 'mean', ROUND(AVG(h.latency), 2) FROM hw_accesses h JOIN memory_levels m ON m.id = h.served_by
            GROUP BY h.served_by;
            """,
        "hw-tlb-by-phase.sql": """
            SELECT COALESCE(p.name, '(before any phase)') AS phase, COUNT(*) AS accesses,
                SUM(h.tlb >= 2) AS l1_tlb_misses, SUM(h.tlb = 3) AS walks,
                ROUND(1.0 * SUM(h.tlb >= 2) / COUNT(*), 6) AS l1_miss_rate, ROUND(1.0 * SUM(h.tlb = 3) / COUNT(*), 6) AS walk_rate
            FROM hw_accesses h LEFT JOIN v_phases p ON h.seq >= p.start_seq AND h.seq < p.end_seq
            WHERE h.tlb > 0
            GROUP BY p.start_seq
            ORDER BY MIN(h.seq);
            """,
        "hw-dram-row-hits.sql": """
            SELECT CAST(dram_channel AS TEXT) AS channel, COUNT(*) AS reads, SUM(dram = 1) AS row_hits, SUM(dram = 2) AS row_misses,
                SUM(dram = 3) AS row_conflicts, ROUND(1.0 * SUM(dram = 1) / COUNT(*), 6) AS row_hit_rate
            FROM hw_accesses WHERE dram > 0 GROUP BY dram_channel
            UNION ALL
            SELECT 'all', COUNT(*), SUM(dram = 1), SUM(dram = 2), SUM(dram = 3), ROUND(1.0 * SUM(dram = 1) / MAX(COUNT(*), 1), 6)
            FROM hw_accesses WHERE dram > 0;
            """,
    ]

    static func compare(_ db: String, skipping: Set<String> = []) throws {
        for (file, original) in Self.originals.sorted(by: { $0.key < $1.key }) where !skipping.contains(file) {
            let rewritten = try QueryRunner.sqlText(QueryFilesTests.queriesDirectory + "/" + file)
            let before = try QueryRunner.execute(database: db, sql: original)
            let after = try QueryRunner.execute(database: db, sql: rewritten)
            #expect(after.last?.columns == before.last?.columns, "\(file): columns")
            #expect(after.last?.rows == before.last?.rows, "\(file): rows")
        }
    }

    @Test func sameRowsWithHardware() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (db, _) = try HardwareStoreTests.replay(in: dir.path, hardware: .seedX86info)
        #expect(try HardwareStoreTests.rows(db, "SELECT COUNT(*) FROM v_phases")[0][0] == "3")
        #expect(Int(try HardwareStoreTests.rows(db, "SELECT COUNT(*) FROM hw_accesses WHERE dram > 0")[0][0])! > 0)
        try Self.compare(db)
        // More phases, one of them without a name, one starting mid-run: still the same rows.
        var handle: OpaquePointer?
        #expect(sqlite3_open(db, &handle) == SQLITE_OK)
        let sql = """
            INSERT INTO strings (id, text) VALUES (900001, 'extra');
            INSERT OR REPLACE INTO control_events (seq, pid, tid, time, op, name, key, value, target)
                SELECT seq, pid, tid, time, 0, 900001, 0, 0, 0 FROM accesses WHERE seq IN (SELECT seq FROM accesses ORDER BY seq LIMIT 1 OFFSET 5000);
            INSERT OR REPLACE INTO control_events (seq, pid, tid, time, op, name, key, value, target)
                SELECT seq, pid, tid, time, 0, 999999, 0, 0, 0 FROM accesses WHERE seq IN (SELECT seq FROM accesses ORDER BY seq LIMIT 1 OFFSET 20000);
            """
        #expect(sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK)
        sqlite3_close(handle)
        #expect(try HardwareStoreTests.rows(db, "SELECT COUNT(*) FROM v_phases")[0][0] == "5")
        // hw-tlb-by-phase reads `access_summary`, whose phases are the markers the replay saw, not
        // those added here afterwards (SummaryQueriesCLITests compares it on replayed traces).
        try Self.compare(db, skipping: ["hw-tlb-by-phase.sql"])
    }

    @Test func sameRowsWithoutHardware() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (db, _) = try HardwareStoreTests.replay(in: dir.path, hardware: .none)
        try Self.compare(db)
        let dram = try HardwareStoreTests.rows(db, try QueryRunner.sqlText(QueryFilesTests.queriesDirectory + "/hw-dram-row-hits.sql"))
        #expect(dram == [["all", "0", "", "", "", ""]])
    }
}
