import Foundation
import Testing
import MemTrace
import MemModel
import MemReplay
@testable import MemStore

/// Seed 001's fragmentation story replayed into a run database: the time series show the high
/// orders draining, the fragmentation index climbing, and compaction (vm.compact_memory) at work.
@Suite struct PhysicalTimeSeriesTests {
    /// Two processes fill memory with interleaved pages while a third maps one page every 2 MiB
    /// (a page-table page and a VMA each); one of the two exits; then memory is compacted.
    static func records() -> (records: [TraceRecord], strings: [StringID: String]) {
        var out: [TraceRecord] = []
        var t: UInt64 = 0
        let a = ProcessID(10), b = ProcessID(11), c = ProcessID(12)
        func emit(_ p: ProcessID, _ e: Event) { t += 1; out.append(TraceRecord(time: t, pid: p, tid: ThreadID(p.rawValue), event: e)) }
        let strings: [StringID: String] = [StringID(1): "fill", StringID(2): "exit", StringID(3): "compact", StringID(4): "vm.compact_memory"]
        emit(a, .control(ControlEvent(op: .phase, name: StringID(1))))
        for p in [a, b, c] { emit(p, .process(ProcessEvent(op: .spawn))) }
        let base: UInt64 = 0x7f00_0000_0000
        for p in [a, b] {
            emit(p, .memory(MemoryCall(op: .mmap, address: VirtualAddress(base), length: 48 << 20, prot: [.read, .write],
                                       flags: MapFlags([.private, .anonymous, .fixed]).rawValue)))
        }
        var cAddr: UInt64 = 0x1000_0000
        for page in 0..<UInt64(5600) {
            for p in [a, b] { emit(p, .access(MemoryAccess(kind: .store, address: VirtualAddress(base + page << 12), size: 8))) }
            if page % 4 == 0 || page >= 5000 {
                emit(c, .memory(MemoryCall(op: .mmap, address: VirtualAddress(cAddr), length: 4096, prot: [.read, .write],
                                           flags: MapFlags([.private, .anonymous, .fixed]).rawValue)))
                emit(c, .access(MemoryAccess(kind: .store, address: VirtualAddress(cAddr), size: 8)))
                cAddr += 2 << 20
            }
        }
        emit(a, .control(ControlEvent(op: .phase, name: StringID(2))))
        emit(b, .process(ProcessEvent(op: .exit)))
        emit(a, .control(ControlEvent(op: .phase, name: StringID(3))))
        emit(a, .control(ControlEvent(op: .sysctl, key: StringID(4), value: 1)))
        emit(a, .control(ControlEvent(op: .phase, name: StringID(2))))
        return (out, strings)
    }

    /// Replays the records into a run database at `db`; returns the kernel's invariant violations.
    static func replay(into db: String) throws -> [String] {
        let (records, strings) = PhysicalTimeSeriesTests.records()
        var source = ArrayTraceSource(header: TraceHeader(producer: "test", producerVersion: "1", commandLine: []),
                                      records: records, strings: strings)
        let machine = MachineConfiguration(name: "t", memoryBytes: 64 << 20, kernelReservedBytes: 1 << 20, snapshotInterval: 4096)
        var sink = try SQLiteStore(path: db, snapshotEvery: machine.snapshotInterval)
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine), user: RecordedHeap(), hardware: NoHardware(),
                                  snapshotInterval: machine.snapshotInterval)
        let info = RunInfo(toolVersion: "test", tracePath: "mem", traceHash: "0", configurationJSON: machine.json(),
                           traceHeaderJSON: "{}", startedAt: 0)
        _ = try engine.run(&source, into: &sink, run: info, endedAt: { 0 })
        return engine.kernel.invariantViolations()
    }

    @Test func fragmentationAndCompactionShowInTheTimeSeries() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.path + "/frag.db"
        let violations = try PhysicalTimeSeriesTests.replay(into: db)
        #expect(violations.isEmpty)

        func series(_ counter: String) throws -> [Int64] {
            let r = try QueryRunner.execute(database: db, sql: "SELECT value FROM v_counters WHERE counter = '\(counter)' ORDER BY seq")
            return r[0].rows.compactMap { if case .integer(let v) = $0[0] { return v } else { return nil } }
        }
        let order9 = try series("extfrag.DMA32.9")
        let high = try series("buddyinfo.DMA32.10")
        let migrated = try series("vmstat.pgmigrate_success")
        #expect(order9.count > 4)
        #expect(order9.first == -1000)                        // at boot an order-9 block is there
        #expect(high.first! > 0 && high.contains(0))          // the order-10 blocks drain
        let peak = order9.max()!
        #expect(peak >= 950, "extfrag(9) climbs toward 1.000: \(order9)")
        #expect(order9.last == -1000, "compaction restores order-9 blocks: \(order9)")
        #expect(migrated.last! > 0)
        // The ready queries run on it.
        let q = QueryFilesTests.queriesDirectory
        for file in ["phys-buddyinfo-over-time.sql", "phys-extfrag-over-time.sql", "phys-compaction.sql"] {
            let r = try QueryRunner.execute(database: db, sql: try QueryRunner.sqlText(q + "/" + file))
            #expect(r.count == 1 && r[0].rows.count > 0, "\(file)")
        }
        let rows = try QueryRunner.execute(database: db, sql: try QueryRunner.sqlText(q + "/phys-extfrag-over-time.sql"))[0]
        #expect(rows.columns == ["seq", "zone", "order", "extfrag_index"])
        #expect(rows.rows.contains { $0[1] == .text("DMA32") && $0[2] == .integer(9) && $0[3] == .text("-1.000") })
    }
}
