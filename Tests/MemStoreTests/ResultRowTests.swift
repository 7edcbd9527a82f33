import Foundation
import MemModel
import MemReplay
import MemStore
import MemTrace
import Testing

/// The run database holds each model's result as the model returned it: a replay through the
/// engine into `SQLiteStore`, with models that keep every result they return, finds every stored
/// property of every result in its event's row, field for field.
@Suite struct ResultRowTests {
    static let parent = ProcessID(100), child = ProcessID(101)
    static let parentThread = ThreadID(100), childThread = ThreadID(101)
    static let sharedFile: UInt64 = 0x7f00_0000_0000, anonymous: UInt64 = 0x7f10_0000_0000
    /// The sequence number of the msync in `trace`.
    static let msyncSeq: UInt64 = 9

    /// Every event family, with faults of several kinds, a signal, populate, munmap, an error,
    /// fork with copy-on-write, file reads, writes, fsync and truncate, and an msync of dirty shared
    /// file pages.
    static var trace: ArrayTraceSource {
        let p = parent, t = parentThread
        let page: UInt64 = 4096
        let events: [(ProcessID, ThreadID, Event)] = [
            (p, t, .process(ProcessEvent(op: .spawn, image: StringID(1)))),
            (p, t, .control(ControlEvent(op: .phase, name: StringID(2)))),
            (p, t, .file(FileCall(op: .open, file: FileID(1), path: StringID(3), size: 16 * page, result: 3))),
            (p, t, .file(FileCall(op: .write, file: FileID(1), offset: 0, length: 2 * page, result: Int64(2 * page)))),
            (p, t, .memory(MemoryCall(op: .mmap, length: 16 * page, prot: [.read, .write], flags: MapFlags.shared.rawValue,
                                      file: FileID(1), result: Int64(sharedFile)))),
            (p, t, .access(MemoryAccess(kind: .store, address: VirtualAddress(sharedFile + 2 * page), size: 8))),
            (p, t, .access(MemoryAccess(kind: .load, address: VirtualAddress(sharedFile + 3 * page + 64), size: 8))),
            (p, t, .access(MemoryAccess(kind: .store, address: VirtualAddress(sharedFile + 4 * page), size: 4))),
            (p, t, .memory(MemoryCall(op: .msync, address: VirtualAddress(sharedFile), length: 16 * page, flags: MsyncFlags.sync.rawValue))),
            (p, t, .memory(MemoryCall(op: .mmap, length: 4 * page, prot: [.read, .write],
                                      flags: MapFlags([.private, .anonymous, .populate]).rawValue, result: Int64(anonymous)))),
            (p, t, .memory(MemoryCall(op: .munmap, address: VirtualAddress(anonymous + page), length: page))),
            (p, t, .memory(MemoryCall(op: .munmap, address: VirtualAddress(anonymous + 1), length: page, result: -22))),
            (p, t, .alloc(AllocationCall(op: .malloc, size: 100, result: VirtualAddress(0x5555_5555_9010)))),
            (p, t, .alloc(AllocationCall(op: .free, pointer: VirtualAddress(0x5555_5555_9010)))),
            (p, t, .file(FileCall(op: .write, file: FileID(1), offset: 5 * page, length: page, result: Int64(page)))),
            (p, t, .file(FileCall(op: .read, file: FileID(1), offset: 8 * page, length: 4 * page, result: Int64(4 * page)))),
            (p, t, .file(FileCall(op: .fsync, file: FileID(1)))),
            (p, t, .process(ProcessEvent(op: .fork, process: child, thread: childThread))),
            (child, childThread, .access(MemoryAccess(kind: .store, address: VirtualAddress(anonymous), size: 8))),
            (p, t, .access(MemoryAccess(kind: .load, address: VirtualAddress(anonymous + 2 * page), size: 8))),
            (child, childThread, .process(ProcessEvent(op: .exit, status: 0))),
            (p, t, .access(MemoryAccess(kind: .load, address: VirtualAddress(0x1000), size: 8))),
            (p, t, .file(FileCall(op: .truncate, file: FileID(1), size: 0))),
        ]
        let records = events.enumerated().map { i, e in TraceRecord(time: UInt64(i + 1) * 1000, pid: e.0, tid: e.1, event: e.2) }
        return ArrayTraceSource(header: TraceHeader(producer: "test", producerVersion: "0", commandLine: []), records: records,
                                strings: [StringID(1): "/usr/bin/app", StringID(2): "work", StringID(3): "/data/f"])
    }

    /// Replays `trace` with a ptmalloc model reporting beside the recorded heap and the seed-x86info
    /// hardware model, into a database in `directory`; returns the engine (with its models' records)
    /// and the database path.
    static func replay(in directory: String) throws -> (ReplayEngine<RecordingKernel, RecordingUser<ModeledHeap<Ptmalloc>>,
                                                                       RecordingHardware<MemoryHierarchy>>, String) {
        let path = directory + "/run.db"
        var store = try SQLiteStore(path: path, hardware: true)
        var source = trace
        let kernel = RecordingKernel(LinuxKernel(configuration: MachineConfiguration.presets["small-8g"]!))
        let user = RecordingUser(ModeledHeap(reallocates: false) { Ptmalloc(layout: $0) })
        var engine = ReplayEngine(kernel: kernel, user: user, hardware: RecordingHardware(MemoryHierarchy(.seedX86info)),
                                  snapshotInterval: 1 << 30)
        _ = try engine.run(&source, into: &store, run: StoreFixture.run, endedAt: { 0 })
        return (engine, path)
    }

    /// The sequence numbers of `trace`'s events of `family`, in order.
    static func seqs(_ family: String) -> [UInt64] {
        trace.records.enumerated().filter { $0.element.event.kind.family == family }.map { UInt64($0.offset + 1) }
    }

    @Test func everyResultIsStoredFieldForField() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (engine, db) = try ResultRowTests.replay(in: dir.path)
        let accesses = ResultRowTests.seqs("access")
        let translations = engine.kernel.translations
        #expect(translations.count == accesses.count)
        try expectStored(Array(zip(accesses, translations)), in: db, table: "accesses",
                         columns: ["fault": "fault", "frame": "frame", "vma": "vma"])
        // The hardware model sees the accesses that completed; the store keeps what it modelled.
        let completed = zip(accesses, translations).filter { !$0.1.fault.isSignal }.map(\.0)
        let hardware = engine.hardware.results
        #expect(hardware.count == completed.count && hardware.contains { $0.walkReferences > 0 && $0.dram != .none })
        try expectStored(Array(zip(completed, hardware)), in: db, table: "hw_accesses",
                         columns: ["tlb": "tlb", "walkReferences": "walk_refs", "walkServed": "walk_served",
                                   "servedBy": "served_by", "dram": "dram", "dramChannel": "dram_channel",
                                   "dramRank": "dram_rank", "dramBank": "dram_bank", "numaNode": "numa_node",
                                   "remote": "remote", "latency": "latency"],
                         rowExpected: { $0.isModelled })

        let memory = Array(zip(ResultRowTests.seqs("memory"), engine.kernel.syscalls))
        #expect(memory.count == ResultRowTests.seqs("memory").count)
        try expectStored(memory, in: db, table: "memory_calls",
                         columns: ["result": "result", "vma": "vma", "pagesFreed": "pages_freed",
                                   "pagesPopulated": "pages_populated", "pagesWritten": "pages_written"])
        #expect(try rows(db, "SELECT seq, errno FROM memory_calls ORDER BY seq") == memory.map { ["\($0.0)", "\($0.1.errno)"] })
        #expect(memory.contains { $0.1.errno == 22 } && memory.contains { $0.1.pagesPopulated > 0 }
                && memory.contains { $0.1.pagesFreed > 0 } && memory.contains { $0.1.pagesWritten > 0 })

        let files = Array(zip(ResultRowTests.seqs("file"), engine.kernel.fileResults))
        #expect(files.count == ResultRowTests.seqs("file").count)
        try expectStored(files, in: db, table: "file_calls",
                         columns: ["pagesCached": "pages_cached", "pagesRead": "pages_read", "pagesDirtied": "pages_dirtied",
                                   "pagesWritten": "pages_written", "pagesDropped": "pages_dropped"])
        #expect(files.contains { $0.1.pagesDirtied > 0 } && files.contains { $0.1.pagesWritten > 0 }
                && files.contains { $0.1.pagesDropped > 0 })
        // pages_changed keeps schema version 2's meaning: the three counts in one.
        #expect(try rows(db, "SELECT count(*) FROM file_calls WHERE pages_changed != pages_dirtied + pages_written + pages_dropped")
            == [["0"]])

        let processes = Array(zip(ResultRowTests.seqs("process"), engine.kernel.processResults))
        #expect(processes.count == ResultRowTests.seqs("process").count && processes.contains { $0.1.pages > 0 })
        try expectStored(processes, in: db, table: "process_events", columns: ["pid": "result_pid", "pages": "pages", "errno": "errno"])

        // An allocation result is split over the recorded call's row and the model's own row.
        let allocs = Array(zip(ResultRowTests.seqs("alloc"), engine.user.results))
        #expect(allocs.count == ResultRowTests.seqs("alloc").count && allocs.contains { $0.1.path != .none })
        let callColumns = ["blockSize": "block_size", "liveBytes": "live_bytes"]
        let modelColumns = ["modelAddress": "model_address", "chunkSize": "chunk_size", "path": "path",
                            "syscalls": "syscalls", "firstSyscall": "first_syscall"]
        try expectStored(allocs, in: db, table: "alloc_calls", columns: callColumns, only: Set(callColumns.keys))
        try expectStored(allocs, in: db, table: "alloc_outcomes", columns: modelColumns, only: Set(modelColumns.keys),
                         rowExpected: { $0.path != .none || $0.modelAddress != 0 || $0.syscalls != 0 || $0.chunkSize != 0 })
        #expect(Set(ResultRowTests.labels(AllocationResult(blockSize: 0, liveBytes: 0)))
                == Set(callColumns.keys).union(modelColumns.keys))
    }

    @Test func msyncPagesWrittenHaveTheirOwnColumn() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (engine, db) = try ResultRowTests.replay(in: dir.path)
        let msync = engine.kernel.syscalls[ResultRowTests.seqs("memory").firstIndex(of: ResultRowTests.msyncSeq)!]
        // Pages 0 and 1 dirtied by write(2), pages 2 and 4 by stores through the shared mapping.
        #expect(msync == SyscallResult(result: 0, pagesWritten: 4))
        #expect(try rows(db, "SELECT pages_freed, pages_populated, pages_written FROM memory_calls WHERE seq = \(ResultRowTests.msyncSeq)")
            == [["0", "0", "4"]])
        #expect(try rows(db, "SELECT op, pages_freed, pages_written FROM v_memory_calls WHERE seq = \(ResultRowTests.msyncSeq)")
            == [["msync", "0", "4"]])
        // Written back and clean: fsync finds only the page written after the msync.
        #expect(try rows(db, "SELECT op, pages_changed, pages_dirtied, pages_written, pages_dropped FROM v_file_calls WHERE op = 'fsync'")
            == [["fsync", "1", "0", "1", "0"]])
    }

    /// The stored property names of `value`, in declaration order.
    static func labels(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }

    /// `value` as the store writes it: integers as their 64-bit pattern, booleans as 0/1, enums and
    /// identifiers by their raw value.
    static func storedText(_ value: Any) -> String? {
        switch value {
        case let x as Int64: return String(x)
        case let x as UInt64: return String(Int64(bitPattern: x))
        case let x as UInt32: return String(x)
        case let x as Int32: return String(x)
        case let x as UInt16: return String(x)
        case let x as UInt8: return String(x)
        case let x as Int: return String(x)
        case let x as Bool: return x ? "1" : "0"
        case let x as any RawRepresentable: return storedText(x.rawValue)
        default: return nil
        }
    }

    /// Expects the row of `table` at each result's sequence number to hold every stored property
    /// of the result in the column `columns` names for it; `rowExpected` says when the store writes
    /// a row at all. Every stored property (or each of `only`) must have a column, so a field added
    /// to a result type fails here until the store keeps it.
    func expectStored<R>(_ results: [(UInt64, R)], in db: String, table: String, columns: [String: String],
                         only: Set<String>? = nil, rowExpected: (R) -> Bool = { _ in true }) throws {
        guard let first = results.first?.1 else { Issue.record("no results for \(table)"); return }
        let labels = ResultRowTests.labels(first).filter { only?.contains($0) ?? true }
        #expect(Set(labels) == Set(columns.keys), "every field of \(R.self) has a column of \(table)")
        let names = labels.compactMap { columns[$0] }
        let stored = try rows(db, "SELECT seq, \(names.joined(separator: ", ")) FROM \(table) ORDER BY seq")
        var bySeq: [String: [String]] = [:]
        for row in stored { bySeq[row[0]] = Array(row.dropFirst()) }
        for (seq, result) in results {
            let fields = Mirror(reflecting: result).children.filter { labels.contains($0.label ?? "") }
            let expected = fields.map { ResultRowTests.storedText($0.value) ?? "unstorable \($0.value)" }
            if rowExpected(result) {
                #expect(bySeq["\(seq)"] == expected, "\(table) row \(seq) holds \(result)")
            } else {
                #expect(bySeq["\(seq)"] == nil, "\(table) has no row \(seq)")
            }
        }
        #expect(bySeq.count == results.filter { rowExpected($0.1) }.count, "\(table) has one row per result")
    }
}
