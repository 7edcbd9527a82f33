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
/// deletes the temporary file. Per-event rows go through reused prepared statements bound with
/// integers only, so the hot path does no string work and no allocation.
public final class SQLiteStore: OutcomeSink {
    /// The final path of the database.
    public let path: String
    /// The temporary file the database is written to until `finish`.
    public let temporaryPath: String
    /// How many events apart the replay engine should send `snapshot`/`sample` calls. The store
    /// itself keeps every snapshot it is given; this is the interval the engine reads from it.
    public let snapshotEvery: Int
    /// The number of `record` calls so far.
    public private(set) var eventCount: UInt64 = 0

    let db: SQLiteDatabase
    private var state: State = .open
    private var counterCount = 0
    private var closed = false

    let insertEvent: SQLiteStatement
    let insertAccess: SQLiteStatement
    let insertProcessEvent: SQLiteStatement
    let insertAllocCall: SQLiteStatement
    let insertMemoryCall: SQLiteStatement
    let insertFileCall: SQLiteStatement
    let insertControlEvent: SQLiteStatement
    let insertFault: SQLiteStatement
    let insertVMAChange: SQLiteStatement
    let upsertProcess: SQLiteStatement
    let upsertThread: SQLiteStatement
    let upsertVMA: SQLiteStatement
    let upsertFile: SQLiteStatement
    let upsertString: SQLiteStatement
    let insertCounterSample: SQLiteStatement
    let insertProcessSample: SQLiteStatement
    let insertHardwareAccess: SQLiteStatement
    let insertAllocOutcome: SQLiteStatement
    let insertStall: SQLiteStatement
    private var statements: [SQLiteStatement] {
        [insertEvent, insertAccess, insertProcessEvent, insertAllocCall, insertMemoryCall, insertFileCall,
         insertControlEvent, insertFault, insertVMAChange, upsertProcess, upsertThread, upsertVMA, upsertFile, upsertString,
         insertCounterSample, insertProcessSample, insertHardwareAccess, insertAllocOutcome, insertStall]
    }

    private enum State { case open, finished, aborted }

    /// Creates the temporary database next to `path`, with the schema and the enum tables filled.
    public init(path: String, snapshotEvery: Int = 10_000) throws {
        self.path = path
        self.temporaryPath = "\(path).tmp-\(getpid())"
        self.snapshotEvery = snapshotEvery
        unlink(temporaryPath)
        TemporaryFiles.register(temporaryPath)
        do {
            db = try SQLiteDatabase(path: temporaryPath, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                    displayPath: path)
        } catch {
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
            throw error
        }
        do {
            try db.exec(StoreSchema.bulkLoadPragmas)
            try db.exec("BEGIN")
            try db.exec(StoreSchema.tables)
            insertEvent = try db.prepare(StoreSchema.insertEvent)
            insertAccess = try db.prepare(StoreSchema.insertAccess)
            insertProcessEvent = try db.prepare(StoreSchema.insertProcessEvent)
            insertAllocCall = try db.prepare(StoreSchema.insertAllocCall)
            insertMemoryCall = try db.prepare(StoreSchema.insertMemoryCall)
            insertFileCall = try db.prepare(StoreSchema.insertFileCall)
            insertControlEvent = try db.prepare(StoreSchema.insertControlEvent)
            insertFault = try db.prepare(StoreSchema.insertFault)
            insertVMAChange = try db.prepare(StoreSchema.insertVMAChange)
            upsertProcess = try db.prepare(StoreSchema.upsertProcess)
            upsertThread = try db.prepare(StoreSchema.upsertThread)
            upsertVMA = try db.prepare(StoreSchema.upsertVMA)
            upsertFile = try db.prepare(StoreSchema.upsertFile)
            upsertString = try db.prepare(StoreSchema.upsertString)
            insertCounterSample = try db.prepare(StoreSchema.insertCounterSample)
            insertProcessSample = try db.prepare(StoreSchema.insertProcessSample)
            try db.exec(StoreSchema.hardwareTables)
            insertHardwareAccess = try db.prepare(StoreSchema.insertHardwareAccess)
            try db.exec(StoreSchema.oomTables)
            try db.exec(StoreSchema.allocatorTables)
            insertAllocOutcome = try db.prepare(StoreSchema.insertAllocOutcome)
            try db.exec(StoreSchema.stallTables)
            insertStall = try db.prepare(StoreSchema.insertStall)
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
        } catch {
            abort()
            throw error
        }
    }

    deinit {
        if state == .open { abort() }
    }

    // MARK: OutcomeSink

    public func begin(_ run: RunInfo) throws {
        try checkOpen()
        let stmt = try db.prepare(StoreSchema.insertRun)
        defer { stmt.finalize() }
        stmt.bind(1, run.toolVersion); stmt.bind(2, run.tracePath); stmt.bind(3, run.traceHash)
        stmt.bind(4, run.configurationJSON); stmt.bind(5, run.traceHeaderJSON); stmt.bind(6, run.startedAt)
        stmt.bind(7, run.userModel)
        try check(stmt.execute(), "runs")
    }

    public func declareCounters(_ names: [String]) throws {
        try checkOpen()
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
        let seq = Int64(bitPattern: outcome.seq)
        let ev = insertEvent
        ev.bind(1, seq); ev.bind(2, rec.event.kind.rawValue); ev.bind(3, rec.pid.rawValue)
        ev.bind(4, rec.tid.rawValue); ev.bind(5, rec.time)
        try check(ev.execute(), "events")
        eventCount &+= 1
        switch (rec.event, outcome.detail) {
        case (.access(let a), .access(let t, let hardware)):
            let s = insertAccess
            s.bind(1, seq); s.bind(2, a.kind.rawValue); s.bind(3, a.address.rawValue); s.bind(4, a.size)
            s.bind(5, t.fault.rawValue); s.bind(6, t.frame.rawValue); s.bind(7, t.vma.rawValue)
            try check(s.execute(), "accesses")
            if hardware.isModelled { try recordHardware(seq, hardware) }
        case (.access(let a), _):
            let s = insertAccess
            s.bind(1, seq); s.bind(2, a.kind.rawValue); s.bind(3, a.address.rawValue); s.bind(4, a.size)
            s.bind(5, Int64(0)); s.bind(6, Int64(0)); s.bind(7, Int64(0))
            try check(s.execute(), "accesses")
        case (.process(let p), let detail):
            let r: ProcessResult
            if case .process(let x) = detail { r = x } else { r = ProcessResult(pid: .none) }
            try recordProcess(seq, p, r)
        case (.alloc(let a), let detail):
            let r: AllocationResult
            if case .alloc(let x) = detail { r = x } else { r = AllocationResult(blockSize: 0, liveBytes: 0) }
            try recordAlloc(seq, a, r)
            try recordAllocOutcome(seq, r)
        case (.memory(let m), let detail):
            let r: SyscallResult
            if case .memory(let x) = detail { r = x } else { r = SyscallResult(result: m.result) }
            try recordMemory(seq, m, r)
        case (.file(let f), let detail):
            let r: FileResult
            if case .file(let x) = detail { r = x } else { r = FileResult() }
            try recordFile(seq, f, r)
        case (.control(let c), _):
            let s = insertControlEvent
            s.bind(1, seq); s.bind(2, c.op.rawValue); s.bind(3, c.name.rawValue); s.bind(4, c.key.rawValue)
            s.bind(5, c.value); s.bind(6, c.target.rawValue)
            try check(s.execute(), "control_events")
        }
    }

    public func fault(_ fault: FaultRecord) throws {
        let s = insertFault
        s.bind(1, fault.seq); s.bind(2, fault.pid.rawValue); s.bind(3, fault.address)
        s.bind(4, fault.kind.rawValue); s.bind(5, fault.vma.rawValue); s.bind(6, fault.frame.rawValue)
        s.bind(7, Int64(1) << Int64(fault.pageSize.shift)); s.bind(8, Int64(fault.node))
        if let z = fault.zone { s.bind(9, z.rawValue) } else { s.bindNull(9) }
        try check(s.execute(), "faults")
    }

    public func vmaChange(_ change: VMAChangeRecord) throws {
        let s = insertVMAChange
        s.bind(1, change.seq); s.bind(2, change.pid.rawValue); s.bind(3, change.vma.rawValue)
        s.bind(4, Int64(change.removed ? 1 : 0))
        try check(s.execute(), "vma_changes")
    }

    public func snapshot(_ snapshot: CounterSnapshot) throws {
        let s = insertCounterSample
        s.bind(1, snapshot.seq); s.bind(2, snapshot.time)
        for i in 0..<snapshot.values.count {
            s.bind(3, Int64(i)); s.bind(4, snapshot.values[i])
            try check(s.execute(), "counter_samples")
        }
    }

    public func sample(_ sample: ProcessSample) throws {
        let s = insertProcessSample
        s.bind(1, sample.seq); s.bind(2, sample.pid.rawValue); s.bind(3, sample.rssAnon)
        s.bind(4, sample.rssFile); s.bind(5, sample.rssShmem); s.bind(6, sample.vmSize)
        try check(s.execute(), "process_samples")
    }

    /// Writes the metrics and the run's end, builds the indexes, commits, and renames the file into place.
    public func finish(metrics: [Metric], endedAt: Double) throws {
        try checkOpen()
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
            try db.exec(StoreSchema.indexes)
            try db.exec(StoreSchema.views)
            try db.exec(StoreSchema.hardwareViews)
            try db.exec("COMMIT")
            try db.exec("PRAGMA analysis_limit = 1000; ANALYZE")
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
        for s in statements { s.finalize() }
        db.close()
    }

    @inline(__always) func check(_ rc: Int32, _ table: StaticString) throws {
        if rc != SQLITE_DONE { throw insertError(rc, table) }
    }

    private func insertError(_ rc: Int32, _ table: StaticString) -> StoreError {
        db.error(rc, "cannot insert into \(table)")
    }

    private func checkOpen() throws {
        switch state {
        case .open: return
        case .finished: throw StoreError(file: path, message: "the store is already finished")
        case .aborted: throw StoreError(file: path, message: "the store was aborted")
        }
    }
}
