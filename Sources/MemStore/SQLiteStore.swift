import CSQLite
import MemModel
import MemReplay
import MemTrace
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome sink that writes a run database: one SQLite file per replay (docs/schema.md).
///
/// The database is built in `<path>.tmp-<pid>` (registered with `TemporaryFiles`, so an interrupt
/// removes it) inside one transaction with journaling and syncing off, and renamed over `path` only
/// by `finish`, after the secondary indexes are built. `abort` — or dropping the store unfinished —
/// deletes the temporary file.
///
/// Per-event rows are appended as integers to a `RowBatch` (no SQLite call on the replay's path);
/// every `batchRows` rows the batch goes through a bounded queue to a writer thread that owns the
/// connection (opened without SQLite's mutexes) and inserts them with multi-row prepared
/// statements (`BatchWriter`), so the models and the store run on the two cores at once. The rows
/// and their order in each table are those of one INSERT per row. An insert error surfaces from
/// the next call that hands over a batch, or from `finish`. The `accesses` rows skip SQL: the writer
/// encodes them into B-tree pages itself and `finish` hands the tree to the database
/// (`SQLiteStore+DirectWrite.swift`, docs/schema.md "How the accesses table is written").
public final class SQLiteStore: OutcomeSink {
    /// The final path of the database.
    public let path: String
    /// The temporary file the database is written to until `finish`.
    public let temporaryPath: String
    /// How many events apart the replay engine should send `snapshot`/`sample` calls. The store
    /// itself keeps every snapshot it is given; this is the interval the engine reads from it.
    public let snapshotEvery: Int
    /// The number of `record` calls so far.
    @exclusivity(unchecked) public internal(set) var eventCount: UInt64 = 0
    /// Rows per batch handed to the writer.
    public static let batchRows = 16_384
    /// Batches that may wait for the writer (the memory in flight: a few MiB).
    public static let queuedBatches = 4
    /// The event families whose per-event rows are kept (`--rows`); the others' events write no row.
    public let rows: RowFamilies
    /// Whether the access rows carry the hardware model's outcome columns from the start (else
    /// they are added, empty, by `finish`).
    public let hardwareColumns: Bool
    /// Why the `accesses` rows go through SQL instead of the direct B-tree writer; nil when they do not.
    public internal(set) var directWriteObstacle: String?
    /// The access outcomes aggregated per (pid, VMA, phase, kind, fault) (`access_summary`).
    /// The summaries are touched by the replay's thread only, one call at a time: no dynamic
    /// exclusivity check per event.
    @exclusivity(unchecked) public internal(set) var accessSummary = AccessSummary()
    /// Events per (pid, phase, kind) (`event_summary`).
    @exclusivity(unchecked) public internal(set) var eventSummary = EventSummary()
    /// Fault rows per (pid, VMA, phase, kind) (`fault_summary`).
    @exclusivity(unchecked) public internal(set) var faultSummary = FaultSummary()
    /// Fault rows per faulting page (`fault_pages`).
    @exclusivity(unchecked) public internal(set) var faultPages = FaultPageSummary()
    /// The hardware model's latency histogram and DRAM outcomes (`latency_histogram`, `dram_summary`).
    @exclusivity(unchecked) public internal(set) var hardwareSummary = HardwareSummary()
    /// The allocator model's sums per (op, path) and calls with system calls.
    @exclusivity(unchecked) public internal(set) var allocSummary = AllocSummary()
    /// Whether `stacks` symbolizes the trace's frames (else each is named by object and offset).
    public var symbolizeStacks = true
    /// Where `stacks` looks for separate debuginfo files (by build-id, then by debuglink).
    public var debugRoots = ["/usr/lib/debug"]
    /// What `stacks` made of the trace's stack table (nil until it ran), and the seconds it took.
    public internal(set) var stackSymbolization: StackSymbolization?
    public internal(set) var stackSeconds = 0.0
    /// Whether the store writes the `allocations` table as the calls go by (`v_allocations` reads
    /// it: a query in 0.1 s instead of a window over `alloc_calls`), else `v_allocations` is that
    /// window and the calls cost nothing more. `memreplay replay` sets it for traces with stacks.
    public var allocationRows = true
    /// The blocks live so far, for the `allocations` rows (only the replay's thread touches it).
    @exclusivity(unchecked) var allocationTracker = AllocationTracker()

    let db: SQLiteDatabase
    private var state: State = .open
    private var counterCount = 0
    private var closed = false
    /// The rows not yet handed over (only the replay's thread touches them, never overlapping:
    /// the per-access exclusivity check was 3% of a replay's instructions).
    @exclusivity(unchecked) var pending = RowBatch()
    let writer: BatchWriter
    /// Whether batches go to a writer thread (else they are written when full, on the caller's thread).
    let usesWriterThread: Bool
    var queue: BatchQueue?
    /// The rows the direct writer put in `accesses` (set by the splice; nil on the SQL path).
    var directAccessRows: Int?

    private enum State { case open, finished, aborted }

    /// Creates the temporary database next to `path`, with the schema and the enum tables filled.
    /// With `writerThread` false the rows are written on the caller's thread (for comparison).
    /// `rows` names the event families whose per-event rows are kept (`RowFamilies`). `hardware`
    /// says whether the hardware model runs: only then do the access rows carry its outcome columns
    /// (a modelled outcome recorded without them is an error). `directWrite` lets the access rows be
    /// written as B-tree pages when the database allows it (`SQLiteStore+DirectWrite.swift`); the
    /// default is on unless the environment sets `MEMREPLAY_DIRECT_WRITE=0`.
    public init(path: String, snapshotEvery: Int = 10_000, writerThread: Bool = true, rows: RowFamilies = .all,
                hardware: Bool = false, directWrite: Bool = SQLiteStore.directWriteByDefault) throws {
        self.path = path
        self.hardwareColumns = hardware
        self.rows = rows
        self.temporaryPath = "\(path).tmp-\(getpid())"
        self.snapshotEvery = snapshotEvery
        self.usesWriterThread = writerThread
        SQLiteStore.configureLibrary
        unlink(temporaryPath)
        TemporaryFiles.register(temporaryPath)
        do {
            // One thread at a time uses the connection (the replay's until the first batch, then
            // the writer's until `finish` joins it): SQLite's per-call mutexes are not needed.
            db = try SQLiteDatabase(path: temporaryPath,
                                    flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                    displayPath: path)
        } catch {
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
            throw error
        }
        do {
            try db.exec(StoreSchema.bulkLoadPragmas)
            try db.exec("BEGIN")
            try db.exec(StoreSchema.tables(hardware: hardware))
            try db.exec(StoreSchema.hardwareTables)
            try db.exec(StoreSchema.oomTables)
            try db.exec(StoreSchema.allocatorTables)
            try db.exec(StoreSchema.stallTables)
            try db.exec(StoreSchema.stackTables)
            if rows != .all { try db.exec(StoreSchema.keptRowsTable) }
            let (tree, obstacle) = directWrite
                ? try SQLiteStore.directAccessWriter(db: db, temporaryPath: temporaryPath, displayPath: path, hardware: hardware)
                : (nil, "the direct writer is off (directWrite: false or MEMREPLAY_DIRECT_WRITE=0)")
            if let obstacle { SQLiteStore.noteObstacle(obstacle, path) }
            directWriteObstacle = obstacle
            writer = try BatchWriter(db: db, hardware: hardware)
            writer.direct = tree
        } catch {
            db.close()
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
            throw error
        }
        do {
            try fillEnumTables()
            try fillHardwareEnums()
            try fillAllocatorEnums()
            if rows != .all { try fillKeptRows() }
        } catch {
            abort()
            throw error
        }
    }

    /// SQLite's process-wide settings, applied once before its first use: no memory statistics
    /// (each allocation would otherwise take a global mutex). A no-op when the library was
    /// already initialised by an earlier connection.
    private static let configureLibrary: Void = { _ = memreplay_sqlite_disable_memstatus() }()

    deinit {
        if state == .open { abort() }
    }

    // MARK: OutcomeSink

    public func begin(_ run: RunInfo) throws {
        try checkOpen()
        try drainWriter()
        let stmt = try db.prepare(StoreSchema.insertRun)
        defer { stmt.finalize() }
        stmt.bind(1, run.toolVersion); stmt.bind(2, run.tracePath); stmt.bind(3, run.traceHash)
        stmt.bind(4, run.configurationJSON); stmt.bind(5, run.traceHeaderJSON); stmt.bind(6, run.startedAt)
        stmt.bind(7, run.userModel)
        try check(stmt.execute(), "runs")
    }

    public func declareCounters(_ names: [String]) throws {
        try checkOpen()
        try drainWriter()
        let stmt = try db.prepare(StoreSchema.insertCounterName)
        defer { stmt.finalize() }
        for (i, name) in names.enumerated() {
            stmt.bind(1, Int64(counterCount + i)); stmt.bind(2, name)
            try check(stmt.execute(), "counter_names")
        }
        counterCount += names.count
    }

    public func record(_ outcome: Outcome) throws {
        let rec = outcome.record
        eventCount &+= 1
        summarize(outcome)
        if rows != .all && !rows.contains(RowFamilies.of(rec.event.kind)) { return }
        let seq = Int64(bitPattern: outcome.seq)
        switch (rec.event, outcome.detail) {
        case (.access(let a), .access(let t, let hardware)):
            if hardware.isModelled {
                guard hardwareColumns else { throw noHardwareColumns() }
                recordAccess(seq, rec, a, t, hardware)
            } else {
                recordAccess(seq, rec, a, t)
            }
        case (.access(let a), _):
            recordAccess(seq, rec, a, Translation(fault: .none, frame: PageFrameNumber(0), vma: .none))
        case (.process(let p), let detail):
            let r: ProcessResult
            if case .process(let x) = detail { r = x } else { r = ProcessResult(pid: .none) }
            recordProcess(seq, rec, p, r)
        case (.alloc(let a), let detail):
            let r: AllocationResult
            if case .alloc(let x) = detail { r = x } else { r = AllocationResult(blockSize: 0, liveBytes: 0) }
            recordAlloc(seq, rec, a, r)
            recordAllocOutcome(seq, r)
            if allocationRows { trackAllocation(seq, rec, a) }
        case (.memory(let m), let detail):
            let r: SyscallResult
            if case .memory(let x) = detail { r = x } else { r = SyscallResult(result: m.result) }
            recordMemory(seq, rec, m, r)
        case (.file(let f), let detail):
            let r: FileResult
            if case .file(let x) = detail { r = x } else { r = FileResult() }
            recordFile(seq, rec, f, r)
        case (.control(let c), _):
            add(.controlEvents) { r in
                r.putEvent(seq, rec); r.put(c.op.rawValue); r.put(c.name.rawValue); r.put(c.key.rawValue)
                r.put(c.value); r.put(c.target.rawValue)
            }
        }
        try flushIfFull()
    }

    public func fault(_ fault: FaultRecord) throws {
        summarize(fault)
        add(.faults) { r in
            r.put(fault.seq); r.put(fault.pid.rawValue); r.put(fault.address)
            r.put(fault.kind.rawValue); r.put(fault.vma.rawValue); r.put(fault.frame.rawValue)
            r.put(Int64(1) << Int64(fault.pageSize.shift)); r.put(Int64(fault.node))
            r.put(optional: fault.zone?.rawValue); r.put(fault.stack.rawValue)
        }
        try flushIfFull()
    }

    public func vmaChange(_ change: VMAChangeRecord) throws {
        add(.vmaChanges) { r in
            r.put(change.seq); r.put(change.pid.rawValue); r.put(change.vma.rawValue); r.put(Int64(change.removed ? 1 : 0))
        }
        try flushIfFull()
    }

    public func snapshot(_ snapshot: CounterSnapshot) throws {
        for i in 0..<snapshot.values.count {
            add(.counterSamples) { r in r.put(snapshot.seq); r.put(snapshot.time); r.put(Int64(i)); r.put(snapshot.values[i]) }
        }
        try flushIfFull()
    }

    public func sample(_ sample: ProcessSample) throws {
        add(.processSamples) { r in
            r.put(sample.seq); r.put(sample.pid.rawValue); r.put(sample.rssAnon)
            r.put(sample.rssFile); r.put(sample.rssShmem); r.put(sample.vmSize)
        }
        try flushIfFull()
    }

    /// Writes the metrics and the run's end, builds the indexes, commits, and renames the file into place.
    public func finish(metrics: [Metric], endedAt: Double) throws {
        try checkOpen()
        do {
            if allocationRows { try writeLiveAllocations() }
            try drainWriter()
            try writeSummaries()
            do {
                let stmt = try db.prepare(StoreSchema.insertMetric)
                defer { stmt.finalize() }
                for metric in metrics {
                    stmt.bind(1, metric.name); stmt.bind(2, metric.value)
                    try check(stmt.execute(), "metrics")
                }
                let run = try db.prepare("UPDATE runs SET ended_at = ?1, events = ?2 WHERE id = 1")
                defer { run.finalize() }
                run.bind(1, endedAt); run.bind(2, eventCount)
                try check(run.execute(), "runs")
            }
            try spliceDirectTables()
            try db.exec(StoreSchema.indexes)
            try db.exec(StoreSchema.stackIndexes)
            if !hardwareColumns { try db.exec(StoreSchema.addHardwareColumns) }
            try db.exec(StoreSchema.views)
            try db.exec(StoreSchema.stallViews)
            try db.exec(StoreSchema.stackViews(allocationRows: allocationRows))
            try db.exec(StoreSchema.hardwareViews(hardware: hardwareColumns))
            try db.exec(StoreSchema.accessSummaryView)
            try db.exec("COMMIT")
            try analyze()
            closeDatabase()
            if rename(temporaryPath, path) != 0 {
                let reason = String(cString: strerror(errno))
                throw StoreError(file: path, message: "cannot rename \(temporaryPath) into place: \(reason)")
            }
        } catch {
            abort()
            throw error
        }
        TemporaryFiles.unregister(temporaryPath)
        state = .finished
    }

    /// Closes the database and deletes the temporary file; `path` is left untouched.
    public func abort() {
        guard state == .open else { return }
        state = .aborted
        closeDatabase()
        unlink(temporaryPath)
        TemporaryFiles.unregister(temporaryPath)
    }

    // MARK: Helpers

    private func closeDatabase() {
        guard !closed else { return }
        closed = true
        writer.stop(discarding: true)
        queue = nil
        writer.finalize()
        writer.direct?.discard()
        db.close()
    }

    @inline(__always) func check(_ rc: Int32, _ table: StaticString) throws {
        if rc != SQLITE_DONE { throw insertError(rc, table) }
    }

    private func noHardwareColumns() -> StoreError {
        StoreError(file: path, message: "a hardware outcome was recorded, but the store was created without hardware columns (SQLiteStore(hardware: true))")
    }

    private func insertError(_ rc: Int32, _ table: StaticString) -> StoreError {
        db.error(rc, "cannot insert into \(table)")
    }

    func checkOpen() throws {
        switch state {
        case .open: return
        case .finished: throw StoreError(file: path, message: "the store is already finished")
        case .aborted: throw StoreError(file: path, message: "the store was aborted")
        }
    }
}
