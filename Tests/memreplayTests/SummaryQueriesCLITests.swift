import Foundation
import MemStore
import TestSupport
import Testing

/// The queries that read the summary tables (schema version 8: `event_summary`, `fault_summary`,
/// `access_summary`, `latency_histogram`, `dram_summary`, `alloc_path_summary`,
/// `alloc_syscall_calls`; version 9: `fault_pages`; kept during the replay) return exactly what their text before the change
/// returned from every event's row, on sample traces replayed with and without the hardware model
/// and the allocator model; and on a `--rows` run they return the full run's rows.
@Suite struct SummaryQueriesCLITests {
    /// The texts before they read the summaries (queries/ at 20b4749, top-fault-addresses at
    /// 37e748e), comments dropped.
    static let originals: [String: String] = [
        "alloc-paths.sql": """
            SELECT op,
                   path,
                   count(*) AS calls,
                   round(100.0 * count(*) / (SELECT count(*) FROM alloc_outcomes), 2) AS percent,
                   sum(requested) AS requested_bytes,
                   round(avg(chunk_size), 1) AS mean_chunk_bytes,
                   sum(syscalls) AS syscalls
            FROM v_alloc_outcomes
            GROUP BY op, path
            ORDER BY calls DESC, op, path;
            """,
        "alloc-syscalls.sql": """
            SELECT seq, pid, op, requested, path, chunk_size, syscalls, first_syscall,
                   printf('0x%x', model_address) AS model_address
            FROM v_alloc_outcomes
            WHERE syscalls > 0
            ORDER BY seq;
            """,
        "event-mix.sql": """
            SELECT k.family,
                   k.name AS kind,
                   count(*) AS events,
                   round(100.0 * count(*) / (SELECT count(*) FROM events), 2) AS percent
            FROM events e
            JOIN event_kinds k ON k.id = e.kind
            GROUP BY e.kind
            ORDER BY events DESC, e.kind;
            """,
        "faults-by-process-vma.sql": """
            SELECT f.pid,
                   p.image,
                   f.vma,
                   coalesce(v.name, '') AS vma_name,
                   CASE WHEN v.id IS NULL THEN NULL ELSE printf('0x%x', v.start) END AS vma_start,
                   count(*) AS faults,
                   sum(k.name IN ('anon_zero_page', 'anon_new')) AS anon,
                   sum(k.name = 'file_minor') AS file_minor,
                   sum(k.is_major) AS major,
                   sum(k.name IN ('cow_copy', 'cow_reuse', 'zero_page_copy', 'file_cow', 'file_cow_major')) AS cow,
                   sum(k.name IN ('shmem_new', 'shmem_minor')) AS shmem,
                   sum(k.is_signal) AS signals
            FROM faults f
            JOIN fault_kinds k ON k.id = f.kind
            LEFT JOIN vmas v ON v.id = f.vma
            LEFT JOIN processes p ON p.pid = f.pid
            GROUP BY f.pid, f.vma
            ORDER BY faults DESC, f.pid, f.vma;
            """,
        "hw-dram-row-hits.sql": """
            WITH c AS MATERIALIZED (
                SELECT dram_channel, COUNT(*) AS reads, SUM(dram = 1) AS row_hits, SUM(dram = 2) AS row_misses,
                    SUM(dram = 3) AS row_conflicts
                FROM hw_accesses WHERE dram > 0 GROUP BY dram_channel)
            SELECT CAST(dram_channel AS TEXT) AS channel, reads, row_hits, row_misses, row_conflicts,
                ROUND(1.0 * row_hits / reads, 6) AS row_hit_rate
            FROM c
            UNION ALL
            SELECT 'all', COALESCE(SUM(reads), 0), SUM(row_hits), SUM(row_misses), SUM(row_conflicts),
                ROUND(1.0 * SUM(row_hits) / MAX(COALESCE(SUM(reads), 0), 1), 6)
            FROM c;
            """,
        "hw-latency-percentiles.sql": """
            WITH hist AS MATERIALIZED (SELECT served_by, latency, COUNT(*) AS n FROM hw_accesses GROUP BY served_by, latency),
            cum AS MATERIALIZED (
                SELECT latency, SUM(n) OVER (ORDER BY latency) AS r, SUM(n) OVER () AS total
                FROM (SELECT latency, SUM(n) AS n FROM hist GROUP BY latency)),
            q(label, frac) AS (VALUES ('p50', 0.50), ('p90', 0.90), ('p99', 0.99), ('p99.9', 0.999), ('max', 1.0))
            SELECT 'all' AS served_by, q.label AS percentile,
                (SELECT MIN(latency) FROM cum WHERE r >= CAST(q.frac * total + 0.999999 AS INTEGER)) AS latency_cycles
            FROM q
            UNION ALL
            SELECT m.name, 'mean', ROUND(1.0 * SUM(h.latency * h.n) / SUM(h.n), 2) FROM hist h JOIN memory_levels m ON m.id = h.served_by
            GROUP BY h.served_by;
            """,
        "hw-tlb-by-phase.sql": """
            WITH p AS MATERIALIZED (
                SELECT '(before any phase)' AS name, 0 AS start_seq,
                    COALESCE((SELECT MIN(start_seq) FROM v_phases), (SELECT COALESCE(MAX(seq), 0) + 1 FROM hw_accesses)) AS end_seq
                UNION ALL
                SELECT COALESCE(name, '(before any phase)'), start_seq, end_seq FROM v_phases),
            s AS MATERIALIZED (
                SELECT p.name, p.start_seq,
                    (SELECT json_array(COUNT(*), SUM(h.tlb >= 2), SUM(h.tlb = 3)) FROM hw_accesses h
                     WHERE h.seq >= p.start_seq AND h.seq < p.end_seq AND h.tlb > 0) AS sums
                FROM p),
            t AS (SELECT name, start_seq, sums ->> '$[0]' AS accesses, sums ->> '$[1]' AS l1_tlb_misses, sums ->> '$[2]' AS walks FROM s)
            SELECT name AS phase, accesses, l1_tlb_misses, walks,
                ROUND(1.0 * l1_tlb_misses / accesses, 6) AS l1_miss_rate, ROUND(1.0 * walks / accesses, 6) AS walk_rate
            FROM t
            WHERE accesses > 0
            ORDER BY start_seq;
            """,
        "hw-tlb-by-vma.sql": """
            SELECT a.pid, a.vma, COALESCE(v.name, '') AS vma_name, printf('0x%x', COALESCE(v.start, 0)) AS vma_start,
                COUNT(*) AS accesses, SUM(h.tlb >= 2) AS l1_tlb_misses, SUM(h.tlb = 3) AS walks,
                ROUND(1.0 * SUM(h.tlb >= 2) / COUNT(*), 6) AS l1_miss_rate, ROUND(1.0 * SUM(h.tlb = 3) / COUNT(*), 6) AS walk_rate,
                SUM(h.walk_refs) AS walk_references
            FROM hw_accesses h JOIN accesses a ON a.seq = h.seq
            LEFT JOIN vmas v ON v.id = a.vma
            WHERE h.tlb > 0
            GROUP BY a.pid, a.vma
            ORDER BY walks DESC, accesses DESC;
            """,
        // At 37e748e (schema 8): every fault grouped by page; now `fault_pages` (schema 9).
        "top-fault-addresses.sql": """
            WITH top AS MATERIALIZED (
                SELECT f.pid, f.address, count(*) AS faults, f.vma, coalesce(v.name, '') AS vma_name,
                       min(f.seq) AS first_seq, max(f.seq) AS last_seq
                FROM faults f
                LEFT JOIN vmas v ON v.id = f.vma
                GROUP BY f.pid, f.address
                ORDER BY faults DESC, f.pid, f.address
                LIMIT 20)
            SELECT t.pid,
                   printf('0x%x', t.address) AS page,
                   t.faults,
                   (SELECT group_concat(name, ',') FROM (
                        SELECT DISTINCT k.name FROM faults g JOIN fault_kinds k ON k.id = g.kind
                        WHERE g.pid = t.pid AND g.address = t.address ORDER BY k.name)) AS kinds,
                   t.vma,
                   t.vma_name,
                   t.first_seq,
                   t.last_seq
            FROM top t
            ORDER BY t.faults DESC, t.pid, t.address;
            """,
        "phase-summary.sql": """
            SELECT phase, start_seq, end_seq,
                   accesses + process_events + alloc_calls + memory_calls + file_calls + control_events AS events,
                   accesses, faults, major_faults, memory_calls, alloc_calls, file_calls,
                   pages_populated, pages_freed, pages_written
            FROM (
                SELECT p.name AS phase,
                       p.start_seq,
                       p.end_seq,
                       (SELECT count(*) FROM accesses a WHERE a.seq >= p.start_seq AND a.seq < p.end_seq) AS accesses,
                       (SELECT count(*) FROM process_events e WHERE e.seq >= p.start_seq AND e.seq < p.end_seq) AS process_events,
                       (SELECT count(*) FROM control_events e WHERE e.seq >= p.start_seq AND e.seq < p.end_seq) AS control_events,
                       (SELECT count(*) FROM faults f WHERE f.seq >= p.start_seq AND f.seq < p.end_seq) AS faults,
                       (SELECT count(*) FROM faults f JOIN fault_kinds k ON k.id = f.kind
                        WHERE f.seq >= p.start_seq AND f.seq < p.end_seq AND k.is_major) AS major_faults,
                       (SELECT count(*) FROM memory_calls m WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS memory_calls,
                       (SELECT count(*) FROM alloc_calls c WHERE c.seq >= p.start_seq AND c.seq < p.end_seq) AS alloc_calls,
                       (SELECT count(*) FROM file_calls c WHERE c.seq >= p.start_seq AND c.seq < p.end_seq) AS file_calls,
                       (SELECT coalesce(sum(pages_populated), 0) FROM memory_calls m
                        WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS pages_populated,
                       (SELECT coalesce(sum(pages_freed), 0) FROM memory_calls m
                        WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS pages_freed,
                       (SELECT coalesce(sum(pages_written), 0) FROM memory_calls m
                        WHERE m.seq >= p.start_seq AND m.seq < p.end_seq) AS pages_written
                FROM v_phases p)
            ORDER BY start_seq;
            """,
    ]

    static func queryFile(_ name: String) -> String { CLI.packageRoot.appendingPathComponent("queries/\(name)").path }

    /// Every original text and its query file (given by path: a text starting with a comment would
    /// read as an option) on `db`: the same CSV lines (header included).
    static func compare(_ db: String, _ label: String) throws {
        for (file, original) in originals.sorted(by: { $0.key < $1.key }) {
            let before = try RowsCLITests.lines(db, original)
            let after = try RowsCLITests.lines(db, queryFile(file))
            #expect(after == before, "\(label): \(file)")
        }
    }

    /// Replays `trace` with `extra` options and compares every rewritten query; returns how many
    /// of them gave rows (so a test can require that it compared something).
    @discardableResult
    static func replayAndCompare(_ trace: String, _ extra: [String]) throws -> Int {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("run.db").path
        try RowsCLITests.replay(RowsCLITests.trace(trace), db, extra)
        try compare(db, "\(trace) \(extra.joined(separator: " "))")
        var nonEmpty = 0
        for file in originals.keys {
            let r = try RowsCLITests.lines(db, queryFile(file))
            if r.count > 1 && r[1] != "all,0,,,," { nonEmpty += 1 }
        }
        return nonEmpty
    }

    @Test func localityWithTheHardwareModel() throws {
        // The hw-* queries, event-mix and phase-summary (three phases) have rows.
        #expect(try Self.replayAndCompare("locality-200k.mrt", ["--set", "hw.preset=seed-x86info"]) >= 6)
    }

    @Test func localityWithoutHardware() throws {
        #expect(try Self.replayAndCompare("locality-200k.mrt", []) >= 3)
    }

    @Test func mallocWithTheAllocatorModel() throws {
        // alloc-paths and alloc-syscalls have rows.
        #expect(try Self.replayAndCompare("malloc-100k.mrt", ["--allocator", "ptmalloc"]) >= 4)
    }

    @Test func recordedForkAndRedis() throws {
        // Fault-derived touches only: event-mix, faults-by-process-vma and the (empty) percentiles.
        #expect(try Self.replayAndCompare("rec-touchfork.mrt", ["--set", "hw.preset=seed-x86info"]) >= 3)
        #expect(try Self.replayAndCompare("rec-redis.mrt", []) >= 2)
    }

    /// A run that keeps no access rows answers the summary queries exactly: the full run's rows
    /// (before the summaries, these queries counted the kept rows only).
    @Test func rowsLeftOutStillGiveTheFullRunsAnswers() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = dir.appendingPathComponent("full.db").path, part = dir.appendingPathComponent("part.db").path
        let hw = ["--set", "hw.preset=seed-x86info"]
        try RowsCLITests.replay(RowsCLITests.trace("locality-200k.mrt"), full, hw)
        try RowsCLITests.replay(RowsCLITests.trace("locality-200k.mrt"), part, hw + ["--rows", "memory,control"])
        for file in Self.originals.keys.sorted() {
            let sql = Self.queryFile(file)
            #expect(try RowsCLITests.lines(part, sql) == RowsCLITests.lines(full, sql), "\(file)")
        }
        #expect(try RowsCLITests.lines(part, "SELECT count(*) FROM accesses") == ["count(*)", "0"])
        let mix = try RowsCLITests.lines(part, Self.queryFile("event-mix.sql"))
        #expect(mix.contains { $0.hasPrefix("access,") }, "\(mix)")
    }
}
