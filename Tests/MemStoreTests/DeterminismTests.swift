import Foundation
import Testing
import MemTrace
import MemModel
import MemReplay
import MemStore

/// A replay is a function of its trace and configuration: the same multi-process trace with
/// files, transparent huge pages, an allocator model re-allocating and the hardware model, replayed
/// twice, gives two run databases equal in every table, row for row.
@Suite struct DeterminismTests {
    static let tracesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("traces").path

    /// small-8g with THP always, the seed-x86info caches, TLBs and DRAM recording every access,
    /// and a counter snapshot every 200 events.
    static func machine() throws -> MachineConfiguration {
        var m = MachineConfiguration.presets["small-8g"]!
        for (k, v) in [("thp.enabled", "always"), ("hw.preset", "seed-x86info"), ("hw.record_accesses", "true"),
                       ("snapshot_interval", "200")] {
            try m.set(k, v)
        }
        return m
    }

    /// Replays `source` into a new run database at `db`, re-allocated by the ptmalloc model (two
    /// cores), with a fixed start and end time so nothing in the run depends on the clock.
    static func replay<Source: TraceSource>(_ source: inout Source, into db: String) throws {
        let machine = try machine()
        var tunables = Ptmalloc.Tunables(); tunables.cores = 2
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine),
                                  user: ModeledHeap(reallocates: true) { Ptmalloc(layout: $0, tunables: tunables) },
                                  hardware: MemoryHierarchy(machine.hardware!), snapshotInterval: machine.snapshotInterval)
        var info = RunInfo(toolVersion: "test", tracePath: "determinism.mrt", traceHash: "fnv1a64:0", configurationJSON: machine.json(),
                           traceHeaderJSON: "{}", startedAt: 1_700_000_000)
        info.userModel = "ptmalloc"
        var sink = try SQLiteStore(path: db, snapshotEvery: machine.snapshotInterval, hardware: true)
        _ = try engine.run(&source, into: &sink, run: info, endedAt: { 1_700_000_001 })
    }

    /// Every table's full contents (sqlite_master's rows included), by name, in storage order.
    static func contents(of db: String) throws -> [String: ResultSet] {
        var out: [String: ResultSet] = [:]
        out["sqlite_master"] = try QueryRunner.execute(database: db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")[0]
        let tables = try QueryRunner.execute(database: db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")[0]
        for row in tables.rows {
            guard case .text(let name) = row[0] else { continue }
            let withoutRowid = try QueryRunner.execute(database: db, sql: "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = '\(name)'")[0]
            let order = withoutRowid.rows.first?.first == .integer(1) ? "" : " ORDER BY rowid"
            out[name] = try QueryRunner.execute(database: db, sql: "SELECT * FROM \"\(name)\"\(order)")[0]
        }
        return out
    }

    /// Rows in `table`.
    static func count(_ tables: [String: ResultSet], _ table: String) -> Int { tables[table]?.rows.count ?? 0 }

    /// Replays the trace `make` opens twice and compares the databases table by table.
    static func replayTwiceAndCompare<Source: TraceSource>(_ make: () throws -> Source) throws -> [String: ResultSet] {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var runs: [[String: ResultSet]] = []
        for name in ["a.db", "b.db"] {
            var source = try make()
            try replay(&source, into: dir.path + "/" + name)
            runs.append(try contents(of: dir.path + "/" + name))
        }
        #expect(runs[0].keys.sorted() == runs[1].keys.sorted())
        for table in runs[0].keys.sorted() {
            let a = runs[0][table]!, b = runs[1][table]
            let same = a == b
            #expect(same, "table \(table) differs: \(a.rows.count) vs \(b?.rows.count ?? -1) rows, first differing row \(firstDifference(a, b))")
        }
        return runs[0]
    }

    static func firstDifference(_ a: ResultSet, _ b: ResultSet?) -> String {
        guard let b else { return "(table missing)" }
        if a.columns != b.columns { return "columns \(a.columns) vs \(b.columns)" }
        for (i, (x, y)) in zip(a.rows, b.rows).enumerated() where x != y { return "\(i): \(x) vs \(y)" }
        return "(row counts)"
    }

    @Test(arguments: ["rec-touchfile.mrt", "rec-redis.mrt"])
    func aRecordingReplaysIdentically(trace: String) throws {
        let path = Self.tracesDirectory + "/" + trace
        let tables = try Self.replayTwiceAndCompare { try TraceReader(path: path) }
        // The recording is multi-process, with files, and the model re-allocated its calls.
        #expect(Self.count(tables, "processes") >= 2 && Self.count(tables, "files") >= 1)
        #expect(Self.count(tables, "alloc_outcomes") >= 1 && Self.count(tables, "faults") > 0)
        #expect(tables.count >= 30)
    }

    @Test func aSynthesizedMultiProcessRunReplaysIdentically() throws {
        let (header, records, strings) = Self.multiProcessTrace()
        let tables = try Self.replayTwiceAndCompare { ArrayTraceSource(header: header, records: records, strings: strings) }
        // Every part of the machine took part: two processes and a thread, files, THP faults,
        // the allocator model's rows, and the hardware's per-access rows.
        #expect(Self.count(tables, "processes") == 2 && Self.count(tables, "threads") >= 3)
        #expect(Self.count(tables, "files") >= 2 && Self.count(tables, "file_calls") >= 5)
        #expect(Self.count(tables, "alloc_outcomes") == records.filter { if case .alloc = $0.event { return true }; return false }.count)
        let accesses = try #require(tables["accesses"])
        let hw = try #require(accesses.columns.firstIndex(of: "hw"))
        #expect(accesses.rows.filter { $0[hw] != .null }.count > 1000 && Self.count(tables, "tlb_outcomes") > 0)
        let thp = try #require(tables["faults"]).rows.filter { $0[4] == .integer(Int64(FaultKind.thpNew.rawValue)) }.count
        #expect(thp >= 2, "THP faults: \(thp)")
        #expect(Self.count(tables, "counter_samples") > 10 * Self.count(tables, "counter_names"))
    }

    /// A parent with a thread and a forked child: a file mapped and read, a 2 MiB-aligned
    /// anonymous region written (THP), malloc-family calls whose blocks are written and read on
    /// both threads and in the child, a file written and synced, the child and the parent exiting.
    static func multiProcessTrace() -> (TraceHeader, [TraceRecord], [StringID: String]) {
        let parent: UInt32 = 900, thread: UInt32 = 901, child: UInt32 = 950
        let regions = [MappedRegion(start: 0x5555_5555_4000, end: 0x5555_5555_8000, permissions: "r-xp", path: "/usr/bin/det"),
                       MappedRegion(start: 0x5555_5555_8000, end: 0x5555_5555_a000, permissions: "rw-p", offset: 0x4000, path: "/usr/bin/det"),
                       MappedRegion(start: 0x7fff_fffd_e000, end: 0x7fff_ffff_f000, permissions: "rw-p", path: "[stack]")]
        let header = TraceHeader(producer: "test", producerVersion: "1", commandLine: ["det"],
                                 processes: [InitialProcess(pid: parent, executable: "/usr/bin/det", regions: regions)])
        let strings: [StringID: String] = [StringID(1): "/data/det/input.bin", StringID(2): "/data/det/output.bin",
                                           StringID(3): "start", StringID(4): "end"]
        var records: [TraceRecord] = []
        var time: UInt64 = 0
        func emit(_ pid: UInt32, _ e: Event, tid: UInt32? = nil) {
            time += 500
            records.append(TraceRecord(time: time, pid: ProcessID(pid), tid: ThreadID(tid ?? pid), event: e))
        }
        func access(_ pid: UInt32, _ kind: AccessKind, _ a: UInt64) { emit(pid, .access(MemoryAccess(kind: kind, address: VirtualAddress(a), size: 8))) }
        let input = FileID(1), output = FileID(2)
        let fileMap: UInt64 = 0x7f00_0000_0000, anon: UInt64 = 0x7f10_0000_0000
        emit(parent, .control(ControlEvent(op: .phase, name: StringID(3))))
        emit(parent, .file(FileCall(op: .open, file: input, path: StringID(1), size: 1 << 20)))
        emit(parent, .memory(MemoryCall(op: .mmap, length: 1 << 20, prot: [.read], flags: MapFlags.private.rawValue, file: input, result: Int64(fileMap))))
        for p in stride(from: fileMap, to: fileMap + (1 << 20), by: 4096) { access(parent, .load, p) }
        emit(parent, .file(FileCall(op: .read, file: input, offset: 0, length: 65536, result: 65536)))
        emit(parent, .memory(MemoryCall(op: .mmap, length: 8 << 20, prot: [.read, .write],
                                        flags: MapFlags([.private, .anonymous]).rawValue, result: Int64(anon))))
        for p in stride(from: anon, to: anon + (8 << 20), by: 4096) { access(parent, .store, p) }
        emit(parent, .process(ProcessEvent(op: .threadStart, thread: ThreadID(thread))))
        var rng = SplitMix64(seed: 2024)
        var recorded: UInt64 = 0x6000_0000
        var live: [UInt32: [(UInt64, UInt64)]] = [parent: [], child: []]
        func churn(_ pid: UInt32, _ tids: [UInt32], _ calls: Int) {
            for _ in 0..<calls {
                let tid = tids[Int(rng.below(UInt64(tids.count)))]
                if live[pid]!.isEmpty || rng.below(3) != 0 {
                    let n = rng.below(30) == 0 ? 150_000 + rng.below(200_000) : 16 + rng.below(3000)
                    emit(pid, .alloc(AllocationCall(op: rng.below(8) == 0 ? .calloc : .malloc, size: n, count: 1, result: VirtualAddress(recorded))), tid: tid)
                    for off in stride(from: UInt64(0), to: n, by: 4096) { access(pid, .store, recorded + off) }
                    access(pid, .load, recorded + n - 8)
                    live[pid]!.append((recorded, n))
                    recorded += (n + 4095) & ~4095 + 4096
                } else {
                    let k = Int(rng.below(UInt64(live[pid]!.count)))
                    access(pid, .load, live[pid]![k].0)
                    emit(pid, .alloc(AllocationCall(op: .free, pointer: VirtualAddress(live[pid]![k].0))), tid: tid)
                    live[pid]!.remove(at: k)
                }
            }
        }
        churn(parent, [parent, thread], 400)
        emit(parent, .process(ProcessEvent(op: .fork, process: ProcessID(child))))
        live[child] = live[parent]
        for p in stride(from: anon, to: anon + (4 << 20), by: 4096) { access(child, .store, p) }
        for p in stride(from: fileMap, to: fileMap + (256 << 10), by: 4096) { access(child, .load, p) }
        churn(child, [child], 200)
        emit(child, .process(ProcessEvent(op: .exit, status: 0)))
        churn(parent, [parent, thread], 200)
        emit(parent, .process(ProcessEvent(op: .threadExit, thread: ThreadID(thread))), tid: thread)
        emit(parent, .file(FileCall(op: .open, file: output, path: StringID(2), size: 0)))
        emit(parent, .file(FileCall(op: .write, file: output, offset: 0, length: 200_000, result: 200_000)))
        emit(parent, .file(FileCall(op: .fsync, file: output)))
        emit(parent, .file(FileCall(op: .close, file: output)))
        emit(parent, .memory(MemoryCall(op: .munmap, address: VirtualAddress(anon), length: 8 << 20)))
        emit(parent, .memory(MemoryCall(op: .munmap, address: VirtualAddress(fileMap), length: 1 << 20)))
        emit(parent, .file(FileCall(op: .close, file: input)))
        emit(parent, .control(ControlEvent(op: .phase, name: StringID(4))))
        emit(parent, .process(ProcessEvent(op: .exit, status: 0)))
        return (header, records, strings)
    }
}
