import Foundation
import MemStore

/// Reads one run database into a `ReportData`: the run's summary, its time series bucketed with
/// each bucket's minimum and maximum, heat maps, histograms and top tables.
///
/// The amount of data is bounded by the bucket counts, not by the run's length: a 10^8-event run
/// gives about as many numbers as a 10^5-event one. The queries read the counter, process-sample,
/// fault and allocation tables, never the per-access tables except for the hardware section.
public struct ReportCollector {
    /// Buckets across the run for line charts.
    public var seriesBuckets: Int64 = 600
    /// Columns of the heat maps.
    public var heatColumns: Int64 = 120
    /// Processes drawn one by one in the RSS chart.
    public var rssProcesses = 8
    /// VMAs in the fault heat map.
    public var heatVMAs = 16
    /// Rows of the top tables.
    public var topRows = 50
    /// Call stacks kept in the flame graph (`FlameGraph.maxPaths`).
    public var flamePaths = FlameGraph.defaultMaxPaths

    public init() {}

    /// Called before each step of `collect` (and of `ReportPage.build`'s rendering) with where
    /// the report is; the command line turns it into a progress line.
    public var progress: ((ReportProgress) -> Void)?

    /// The report data of the run database at `path`; throws a `StoreError` naming it when it is
    /// not a run database.
    /// `bucketWidth` overrides the width that `seriesBuckets` gives (two runs drawn together share one).
    public func collect(database path: String, bucketWidth: Int64? = nil) throws -> ReportData {
        try collect(database: path, bucketWidth: bucketWidth, firstStep: 1, steps: ReportProgress.readingSteps, rowsBefore: 0).data
    }

    /// `collect`, reporting its steps as `firstStep`… of `steps` with `rowsBefore` rows read
    /// earlier; returns the data and the rows this database's queries returned.
    func collect(database path: String, bucketWidth: Int64?, firstStep: Int, steps: Int,
                 rowsBefore: Int) throws -> (data: ReportData, rows: Int) {
        let db = try ReportSource(path: path)
        var step = firstStep - 1, width: Int64 = 0
        func read<T>(_ section: String, _ body: () throws -> T) rethrows -> T {
            step += 1
            progress?(ReportProgress(phase: .reading, database: path, section: section, step: step, steps: steps,
                                     rows: rowsBefore + db.tally.rows, bucketWidth: width))
            return try body()
        }
        let run = try read("run summary") { try runSummary(db) }
        let lastSeq = run.events + 1
        width = bucketWidth ?? self.bucketWidth(lastSeq: lastSeq)
        var metrics: [String: Double] = [:]
        for row in try read("metrics", { try db.rows("SELECT name, value FROM metrics") }) {
            if let name = row[0].text, let v = row[1].double { metrics[name] = v }
        }
        let data = ReportData(
            run: run, metrics: metrics, bucketWidth: width, lastSeq: lastSeq,
            phases: try read("phase markers") { try phases(db) },
            counters: try read("counters") { try counters(db, width: width) },
            rss: try read("RSS per process") { try rss(db, width: width) },
            kernelRSS: try read("kernel RSS") { try kernelRSS(db, width: width) },
            allocLayers: try read("allocation layers") { try allocLayers(db, width: width) },
            faults: try read("faults by kind") { try faults(db, width: width) },
            faultHeat: try read("fault heat map") { try faultHeat(db, lastSeq: lastSeq) },
            buddy: try read("buddy free blocks") { try buddy(db, lastSeq: lastSeq) },
            oomKills: try read("OOM kills") { try oomKills(db) },
            allocSizes: try read("allocation sizes") { try allocSizes(db) },
            allocPaths: try read("allocator paths") { try allocPaths(db) },
            hardware: try read("hardware") { try hardware(db) },
            topVMAs: try read("top VMAs") { try topVMAs(db) },
            topProcesses: try read("top processes") { try topProcesses(db) },
            flame: try read("call stacks") { try FlameGraph.collect(db, lastSeq: lastSeq, maxPaths: flamePaths) })
        return (data, db.tally.rows)
    }

    /// Events per bucket for an axis ending at `lastSeq`.
    public func bucketWidth(lastSeq: Int64) -> Int64 { max(1, (lastSeq + seriesBuckets) / seriesBuckets) }

    /// The last sequence number of a run's axis (its events + 1, the final snapshot).
    public func lastSeq(database path: String) throws -> Int64 {
        try ReportSource(path: path).integer("SELECT events FROM runs WHERE id = 1") + 1
    }

    // MARK: The run

    func runSummary(_ db: ReportSource) throws -> ReportData.RunSummary {
        guard let row = try db.rows("SELECT trace_path, trace_hash, tool_version, config_json, trace_header_json, events FROM runs WHERE id = 1").first else {
            throw StoreError(file: db.path, message: "not a run database (the runs table has no row 1)")
        }
        let userModel = db.has("runs") ? (try? db.rows("SELECT user_model FROM runs WHERE id = 1").first?.first?.text) ?? nil : nil
        let config = json(row[3].text)
        let header = json(row[4].text)
        let host = header["host"] as? [String: Any] ?? [:]
        let commandLine = (header["commandLine"] as? [String] ?? []).joined(separator: " ")
        // Schema 7 has one row per event in its family's table (`events` is a view over them): the
        // first and last event are read from each table's ends instead of sorting the whole view.
        let eventsTable = try db.integer("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'events'") > 0
        let firstSQL = eventsTable ? "SELECT time FROM events ORDER BY seq LIMIT 1" : StoreSchema.eventTime(last: false)
        let lastSQL = eventsTable ? "SELECT time FROM events ORDER BY seq DESC LIMIT 1" : StoreSchema.eventTime(last: true)
        let first = try db.integer(firstSQL)
        // The final snapshot carries the last event's time, also when `--rows` kept no row of it.
        let last = try db.integer("SELECT max(coalesce((\(lastSQL)), 0), coalesce((SELECT max(time) FROM counter_samples), 0))")
        var hostText = ""
        if let name = host["hostname"] as? String, !name.isEmpty {
            hostText = "\(name) \(host["kernelRelease"] as? String ?? "") \(host["architecture"] as? String ?? ""), "
                + "\(host["cpus"] as? Int ?? 0) CPUs, \(((host["memoryBytes"] as? Int64) ?? Int64(host["memoryBytes"] as? Int ?? 0)) >> 20) MiB"
        }
        return ReportData.RunSummary(
            database: db.path, trace: row[0].text ?? "", traceHash: row[1].text ?? "", toolVersion: row[2].text ?? "",
            machine: config["name"] as? String ?? "", memoryBytes: Int64(config["memoryBytes"] as? Int ?? 0),
            program: commandLine, producer: header["producer"] as? String ?? "", host: hostText,
            userModel: userModel ?? "", events: row[5].integer ?? 0, durationNs: max(0, last - first),
            processes: try db.integer("SELECT count(*) FROM processes"),
            peakRSSkB: try db.integer("SELECT max(rss_anon + rss_file + rss_shmem) * 4 FROM process_samples"))
    }

    private func json(_ text: String?) -> [String: Any] {
        guard let text, let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    func phases(_ db: ReportSource) throws -> [ReportData.Marker] {
        guard db.has("v_phases") else { return [] }
        return try db.rows("SELECT start_seq, name FROM v_phases ORDER BY start_seq").map {
            ReportData.Marker(seq: $0[0].integer ?? 0, label: $0[1].text ?? "")
        }
    }

    func oomKills(_ db: ReportSource) throws -> [ReportData.Marker] {
        guard db.has("oom_kills") else { return [] }
        return try db.rows("""
            SELECT seq, victim, victim_name, points, anon_rss_kb + file_rss_kb + shmem_rss_kb, constraint_name
            FROM oom_kills ORDER BY seq
            """).map {
            ReportData.Marker(seq: $0[0].integer ?? 0, label: "OOM kill: pid \($0[1].text ?? "") (\($0[2].text ?? "")), "
                + "points \($0[3].text ?? ""), RSS \($0[4].text ?? "") kB, \($0[5].text ?? "")")
        }
    }

    // MARK: Time series

    /// Whether a counter gets a line of its own: memory state, swap, pressure, memcg, reclaim.
    static func isCharted(_ name: String) -> Bool {
        for prefix in ["meminfo.", "free.", "psi.", "memcg.", "swap.", "processes.alive"] where name.hasPrefix(prefix) {
            return true
        }
        if name.hasPrefix("vmstat.") {
            return ["pswp", "pgscan", "pgsteal", "workingset", "oom_kill", "allocstall", "kswapd", "pgfault",
                    "pgmajfault", "compact_stall", "pgpg", "pgfree"].contains { name.dropFirst(7).hasPrefix($0) }
        }
        if name == "phys.kswapd_wakeups" || name == "phys.alloc_failures" || name == "commit.refusals" { return true }
        // The fragmentation index of orders 3 (small blocks) and 9 (a THP) per zone.
        return name.hasPrefix("extfrag.") && (name.hasSuffix(".3") || name.hasSuffix(".9"))
    }

    func counters(_ db: ReportSource, width: Int64) throws -> [ReportData.Series] {
        guard db.has("counter_samples") else { return [] }
        let charted = db.counters.enumerated().filter { Self.isCharted($0.element) }
        guard !charted.isEmpty else { return [] }
        let ids = charted.map { String($0.offset) }.joined(separator: ",")
        let rows = try db.rows("""
            SELECT counter, seq / \(width), min(value), max(value) FROM counter_samples
            WHERE counter IN (\(ids)) GROUP BY counter, seq / \(width) ORDER BY counter, 2
            """)
        return Self.series(rows) { db.counters[Int($0)] }
    }

    func rss(_ db: ReportSource, width: Int64) throws -> [ReportData.Series] {
        let top = try db.rows("""
            SELECT s.pid, p.image FROM process_samples s LEFT JOIN processes p ON p.pid = s.pid
            GROUP BY s.pid ORDER BY max(s.rss_anon + s.rss_file + s.rss_shmem) DESC, s.pid LIMIT \(rssProcesses)
            """)
        guard !top.isEmpty else { return [] }
        var labels: [Int64: String] = [:]
        for row in top { labels[row[0].integer ?? 0] = "pid \(row[0].text ?? "") \((row[1].text ?? "").split(separator: "/").last ?? "")" }
        let pids = top.compactMap { $0[0].text }.joined(separator: ",")
        let rows = try db.rows("""
            SELECT pid, seq / \(width), min(r), max(r) FROM
                (SELECT pid, seq, (rss_anon + rss_file + rss_shmem) * 4 AS r FROM process_samples WHERE pid IN (\(pids)))
            GROUP BY pid, seq / \(width) ORDER BY pid, 2
            """)
        return Self.series(rows) { labels[$0] ?? "pid \($0)" }.map { var s = $0; s.name = "rss." + s.name; return s }
    }

    func kernelRSS(_ db: ReportSource, width: Int64) throws -> [ReportData.Series] {
        let rows = try db.rows("""
            SELECT seq / \(width), min(a), max(a), min(f), max(f), min(s), max(s) FROM
                (SELECT seq, sum(rss_anon) * 4 AS a, sum(rss_file) * 4 AS f, sum(rss_shmem) * 4 AS s
                 FROM process_samples GROUP BY seq)
            GROUP BY 1 ORDER BY 1
            """)
        var out: [ReportData.Series] = []
        for (i, name) in ["anon", "file", "shmem"].enumerated() {
            let flat = rows.map { [Int64(i).sqlValue, $0[0], $0[1 + 2 * i], $0[2 + 2 * i]] }
            out += Self.series(flat) { _ in "RSS \(name) (kB)" }.map { var s = $0; s.name = "rss_" + name; return s }
        }
        return out
    }

    func allocLayers(_ db: ReportSource, width: Int64) throws -> [ReportData.Series] {
        guard db.has("alloc_calls"), try db.integer("SELECT count(*) FROM (SELECT 1 FROM alloc_calls LIMIT 1)") > 0 else { return [] }
        var rows = try db.rows("SELECT 0, seq / \(width), min(live_bytes), max(live_bytes) FROM alloc_calls GROUP BY 2 ORDER BY 2")
        var names: [Int64: String] = [0: "requested (live payload bytes)"]
        // The model's chunks in use: + each chunk handed out, − each chunk taken back. A realloc's
        // old chunk is not in its row, so runs that reallocated skip the line rather than drift.
        if db.has("alloc_outcomes"),
           try db.integer("SELECT count(*) FROM alloc_outcomes o JOIN alloc_paths p ON p.id = o.path WHERE p.name LIKE 'realloc%' OR p.name = 'mremap'") == 0,
           try db.integer("SELECT count(*) FROM (SELECT 1 FROM alloc_outcomes LIMIT 1)") > 0 {
            rows += try db.rows("""
                SELECT 1, seq / \(width), min(r), max(r) FROM
                    (SELECT o.seq, sum(CASE WHEN p.name LIKE 'free%' OR p.name = 'munmap' THEN -o.chunk_size
                                            WHEN p.name IN ('none', 'enomem') THEN 0 ELSE o.chunk_size END)
                         OVER (ORDER BY o.seq) AS r
                     FROM alloc_outcomes o JOIN alloc_paths p ON p.id = o.path)
                GROUP BY 2 ORDER BY 2
                """)
            names[1] = "allocator model: chunks in use (bytes)"
        }
        return Self.series(rows) { names[$0] ?? "" }.map { var s = $0; s.name = s.label.hasPrefix("requested") ? "requested" : "model_chunks"; return s }
    }

    func faults(_ db: ReportSource, width: Int64) throws -> [ReportData.Series] {
        guard db.has("faults") else { return [] }
        let kinds = Dictionary(uniqueKeysWithValues: try db.rows("SELECT id, name FROM fault_kinds").map { ($0[0].integer ?? 0, $0[1].text ?? "") })
        let rows = try db.rows("SELECT kind, seq / \(width), count(*), count(*) FROM faults GROUP BY kind, seq / \(width) ORDER BY kind, 2")
        return Self.series(rows) { kinds[$0] ?? "kind \($0)" }.map { var s = $0; s.name = "fault." + s.label; return s }
    }

    /// Rows `(key, bucket, min, max)` ordered by key then bucket → one series per key, named and
    /// labelled `label(key)`.
    static func series(_ rows: [[ResultSet.Value]], label: (Int64) -> String) -> [ReportData.Series] {
        var out: [ReportData.Series] = []
        var lastKey: Int64?
        for row in rows {
            let key = row[0].integer ?? 0
            if key != lastKey {
                let text = label(key)
                out.append(ReportData.Series(name: text, label: text, b: [], min: [], max: []))
                lastKey = key
            }
            out[out.count - 1].b.append(row[1].integer ?? 0)
            out[out.count - 1].min.append(row[2].integer ?? 0)
            out[out.count - 1].max.append(row[3].integer ?? 0)
        }
        for i in out.indices where out[i].min == out[i].max { out[i].max = [] }
        return out
    }
}

extension Int64 {
    /// The integer as an SQL result value.
    var sqlValue: ResultSet.Value { .integer(self) }
}
