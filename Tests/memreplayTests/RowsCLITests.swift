import Foundation
import MemStore
import TestSupport
import Testing

/// `memreplay replay --rows`: the rows of the families left out are gone, every metric and every
/// summary table is unchanged, and `access_summary` equals the per-access rows grouped the same way.
@Suite struct RowsCLITests {
    static func trace(_ name: String) -> String { CLI.packageRoot.appendingPathComponent("traces/\(name)").path }

    /// Replays `trace` into `db` with `extra` arguments.
    static func replay(_ trace: String, _ db: String, _ extra: [String]) throws {
        let r = try CLI.run(["replay", trace, "-o", db, "--quiet"] + extra)
        try #require(r.status == 0, "\(r.stderr)")
    }

    /// Every row of `sql` on `db`, as CSV lines.
    static func lines(_ db: String, _ sql: String) throws -> [String] {
        let r = try CLI.run(["query", db, sql, "--format", "csv"])
        try #require(r.status == 0, "\(sql): \(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// The SQL of one `access_summary` column computed from a full run's per-access rows.
    static func fullRunExpression(_ column: String) -> String {
        func level(_ name: String) -> String { "(SELECT id FROM memory_levels WHERE lower(name) = '\(name)')" }
        switch column {
        case "accesses": return "count(*)"
        case "bytes": return "sum(a.size)"
        case "hw_accesses": return "count(h.seq)"
        case "walk_refs": return "coalesce(sum(h.walk_refs), 0)"
        case "remote": return "coalesce(sum(h.remote), 0)"
        case "latency": return "coalesce(sum(h.latency), 0)"
        case "latency_max": return "coalesce(max(h.latency), 0)"
        case let c where c.hasPrefix("walk_served_"):
            let l = level(String(c.dropFirst("walk_served_".count)))
            let refs = (0..<5).map { "(h.walk_refs > \($0) AND ((h.walk_served >> \(3 * $0)) & 7) = \(l))" }
            return "coalesce(sum(\(refs.joined(separator: " + "))), 0)"
        case let c where c.hasPrefix("tlb_"): return "count(h.seq) FILTER (WHERE lower(h.tlb) = '\(c.dropFirst(4))')"
        case let c where c.hasPrefix("served_"): return "count(h.seq) FILTER (WHERE lower(h.served_by) = '\(c.dropFirst(7))')"
        case let c where c.hasPrefix("dram_"): return "count(h.seq) FILTER (WHERE lower(h.dram) = '\(c.dropFirst(5))')"
        default: return "NULL /* unknown column \(column) */"
        }
    }

    /// The full run's accesses grouped by (pid, VMA, phase, kind, fault), every summary column.
    static let groupedFullRun = """
        SELECT a.pid, a.vma, coalesce(p.start_seq, 0), a.kind, a.fault,
            \(AccessSummary.sumColumns.map(fullRunExpression).joined(separator: ", "))
        FROM v_accesses a LEFT JOIN v_hw_accesses h ON h.seq = a.seq
        LEFT JOIN v_phases p ON a.seq >= p.start_seq AND a.seq < p.end_seq
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        """
    static let summary = """
        SELECT pid, vma, phase_seq, kind, fault, \(AccessSummary.sumColumns.joined(separator: ", "))
        FROM v_access_summary ORDER BY 1, 2, 3, 4, 5
        """

    /// Tables always written whatever `--rows` says, and the run's event count.
    /// The summary tables every run writes, whatever `--rows` keeps.
    static let summaryTables = ["access_summary", "event_summary", "fault_summary", "latency_histogram", "dram_summary",
                                "alloc_path_summary", "alloc_syscall_calls", "fault_pages"]

    static let alwaysWritten = ["faults", "vmas", "processes", "threads", "vma_changes", "stalls", "counter_samples",
                                "process_samples", "oom_kills", "strings", "files"]

    /// Replays a trace both ways and checks metrics, the always-written tables and the summary.
    func compare(_ name: String, _ extra: [String], rows: String, keeps: [String], empties: [String]) throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = dir.appendingPathComponent("full.db").path, part = dir.appendingPathComponent("part.db").path
        try Self.replay(Self.trace(name), full, extra)
        try Self.replay(Self.trace(name), part, extra + ["--rows", rows])
        let metrics = "SELECT name, value FROM metrics ORDER BY name"
        let kept = rows.split(separator: ",").map(String.init).sorted()
        #expect(try Self.lines(part, "SELECT family FROM kept_rows ORDER BY family") == ["family"] + kept)
        let fullMetrics = try Self.lines(full, metrics)
        #expect(fullMetrics.count > 100)
        #expect(try Self.lines(part, metrics) == fullMetrics)
        for table in Self.alwaysWritten {
            let sql = "SELECT * FROM \(table) ORDER BY 1, 2"
            #expect(try Self.lines(part, sql) == Self.lines(full, sql), "\(name): \(table)")
        }
        #expect(try Self.lines(part, "SELECT events FROM runs") == Self.lines(full, "SELECT events FROM runs"))
        #expect(try Self.lines(part, "SELECT count(*) FROM v_stalls") == Self.lines(full, "SELECT count(*) FROM v_stalls"))
        for table in keeps {
            let sql = "SELECT * FROM \(table) ORDER BY 1"
            #expect(try Self.lines(part, sql) == Self.lines(full, sql), "\(name): \(table)")
        }
        for table in empties { #expect(try Self.lines(part, "SELECT count(*) FROM \(table)") == ["count(*)", "0"], "\(name): \(table)") }
        // The report reads the always-written tables; its duration comes from the final snapshot.
        let html = dir.appendingPathComponent("part.html").path
        let report = try CLI.run(["report", part, "-o", html])
        #expect(report.status == 0 && FileManager.default.fileExists(atPath: html), "\(report.stderr)")
        let diff = try CLI.run(["diff", full, part, "--threshold", "*=0"])
        #expect(diff.status == 0 && diff.stdout.contains("metrics unchanged"), "\(diff.stdout)")
        // Every run keeps the summaries (schema 8): the full run's `access_summary` is its access rows
        // grouped, and the partial run's summary tables are the full run's.
        let grouped = try Self.lines(full, Self.groupedFullRun)
        if !rows.split(separator: ",").contains("access") { #expect(grouped.count > 2) }
        #expect(try Self.lines(full, Self.summary).dropFirst() == grouped.dropFirst(), "\(name)")
        #expect(try Self.lines(part, Self.summary).dropFirst() == grouped.dropFirst(), "\(name)")
        for table in Self.summaryTables {
            let sql = "SELECT * FROM \(table)"
            #expect(try Self.lines(part, sql) == Self.lines(full, sql), "\(name): \(table)")
        }
    }

    @Test func localityWithTheHardwareModelSummarisesEveryAccess() throws {
        try compare("locality-200k.mrt", ["--set", "hw.preset=seed-x86info"], rows: "memory,alloc,file,process,control",
                    keeps: ["memory_calls", "v_phases", "control_events"], empties: ["accesses", "hw_accesses"])
    }

    @Test func forkingRecordingKeepsItsProcessAndMemoryRows() throws {
        try compare("rec-touchfork.mrt", [], rows: "process,memory,control",
                    keeps: ["process_events", "memory_calls", "v_phases"], empties: ["accesses", "alloc_calls", "file_calls"])
    }

    @Test func mallocTraceWithAccessRowsOnly() throws {
        try compare("malloc-100k.mrt", ["--allocator", "ptmalloc"], rows: "access",
                    keeps: ["accesses"], empties: ["alloc_calls", "alloc_outcomes", "memory_calls", "control_events"])
    }

    @Test func anUnknownFamilyExitsWith2AndWritesNothing() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("x.db").path
        let r = try CLI.run(["replay", Self.trace("mappings-16m.mrt"), "-o", db, "--rows", "memory,faults"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unknown event family 'faults' (allowed: access, process, alloc, memory, file, control, all)"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// `--rows all` (the default spelled out) writes what a replay without the option writes.
    @Test func allIsTheDefault() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.db").path, b = dir.appendingPathComponent("b.db").path
        try Self.replay(Self.trace("mappings-16m.mrt"), a, [])
        try Self.replay(Self.trace("mappings-16m.mrt"), b, ["--rows", "all"])
        for table in ["events", "accesses", "memory_calls", "faults"] {
            #expect(try Self.lines(a, "SELECT * FROM \(table)") == Self.lines(b, "SELECT * FROM \(table)"))
        }
        #expect(try Self.lines(b, "SELECT count(*) FROM sqlite_master WHERE name = 'kept_rows'") == ["count(*)", "0"])
        for table in Self.summaryTables {
            #expect(try Self.lines(a, "SELECT * FROM \(table)") == Self.lines(b, "SELECT * FROM \(table)"))
        }
    }
}
