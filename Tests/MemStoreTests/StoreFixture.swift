import Foundation
import MemModel
import MemReplay
import MemStore
import MemTrace

/// A small, hand-made replay: two processes (a parent and a forked child), a heap, an anonymous
/// mapping, a populated file mapping, faults of several kinds, two phases, failed and successful
/// calls, three counter snapshots with per-process samples, and metrics.
enum StoreFixture {
    static let counters = ["meminfo.MemFree", "vmstat.pgfault", "vmstat.pgmajfault"]
    static let metrics = [Metric("events.total", 20), Metric("vmstat.pgfault", 6), Metric("vmstat.pgmajfault", 2),
                          Metric("meminfo.MemFree", 3964)]
    static let run = RunInfo(toolVersion: "0.1.0-test", tracePath: "traces/fixture.mrt",
                             traceHash: "fnv1a64:0123456789abcdef", configurationJSON: "{\"machine\":\"small\"}",
                             traceHeaderJSON: "{\"producer\":\"test\"}", startedAt: 1_700_000_000)

    static let parent = ProcessID(100), child = ProcessID(101)
    static let parentThread = ThreadID(100), childThread = ThreadID(101)
    static let heap = VMARecord(id: VMAID(1), pid: parent, start: 0x5555_5555_9000, end: 0x5555_5557_a000,
                                prot: [.read, .write], flags: .private, file: .anonymous, offset: 0,
                                name: "[heap]", startSeq: 3)
    static let anon = VMARecord(id: VMAID(2), pid: parent, start: 0x7f00_0000_0000, end: 0x7f00_0000_2000,
                                prot: [.read, .write], flags: [.private, .anonymous], file: .anonymous, offset: 0,
                                name: "", startSeq: 4)
    static let mapped = VMARecord(id: VMAID(3), pid: parent, start: 0x7f10_0000_0000, end: 0x7f10_0000_4000,
                                  prot: .read, flags: .private, file: FileID(1), offset: 0,
                                  name: "/data/db.bin", startSeq: 9)
    static let childAnon = VMARecord(id: VMAID(4), pid: child, start: 0x7f00_0000_0000, end: 0x7f00_0000_2000,
                                     prot: [.read, .write], flags: [.private, .anonymous], file: .anonymous,
                                     offset: 0, name: "", startSeq: 11)

    /// Drives `sink` through the whole sequence, ending with `finish`.
    static func drive<S: OutcomeSink>(_ sink: inout S, endedAt: Double = 1_700_000_010) throws {
        try sink.begin(run)
        try sink.declareCounters(counters)
        for (id, text) in [(1, "/usr/bin/app"), (2, "startup"), (3, "/data/db.bin"), (4, "work"), (5, "[heap]")] {
            try sink.string(StringID(UInt32(id)), text)
        }
        func rec(_ seq: UInt64, _ time: UInt64, _ pid: ProcessID, _ tid: ThreadID, _ event: Event,
                 _ detail: OutcomeDetail) throws {
            try sink.record(Outcome(seq: seq, record: TraceRecord(time: time, pid: pid, tid: tid, event: event),
                                    detail: detail))
        }
        func access(_ seq: UInt64, _ time: UInt64, _ pid: ProcessID, _ kind: AccessKind, _ address: UInt64,
                    _ size: UInt32, _ fault: FaultKind, _ frame: UInt64, _ vma: UInt32) throws {
            let tid = pid == parent ? parentThread : childThread
            try rec(seq, time, pid, tid, .access(MemoryAccess(kind: kind, address: VirtualAddress(address), size: size)),
                    .access(Translation(fault: fault, frame: PageFrameNumber(frame), vma: VMAID(vma)), hardware: .none))
            if fault != .none {
                try sink.fault(FaultRecord(seq: seq, pid: pid, address: address & ~0xfff, kind: fault, vma: VMAID(vma),
                                           frame: PageFrameNumber(frame)))
            }
        }
        let p = parent, t = parentThread

        try rec(1, 1000, p, t, .process(ProcessEvent(op: .spawn, image: StringID(1))),
                .process(ProcessResult(pid: p)))
        try sink.process(ProcessRecord(pid: p, parent: ProcessID(1), image: "/usr/bin/app", startSeq: 1))
        try sink.thread(ThreadRecord(tid: t, pid: p, startSeq: 1))
        try rec(2, 2000, p, t, .control(ControlEvent(op: .phase, name: StringID(2))), .control)
        try rec(3, 3000, p, t, .memory(MemoryCall(op: .region, address: VirtualAddress(heap.start), length: 0x21000,
                                                  prot: heap.prot, flags: 0x02, name: StringID(5))),
                .memory(SyscallResult(result: 0, vma: heap.id)))
        try sink.vma(heap)
        try rec(4, 4000, p, t, .memory(MemoryCall(op: .mmap, length: 0x2000, prot: [.read, .write], flags: 0x22,
                                                  result: 0x7f00_0000_0000)),
                .memory(SyscallResult(result: 0x7f00_0000_0000, vma: anon.id)))
        try sink.vma(anon)
        try access(5, 4000, p, .store, 0x7f00_0000_0010, 8, .anonNew, 0x100, 2)
        try access(6, 4000, p, .load, 0x7f00_0000_0018, 8, .none, 0x100, 2)
        try sink.snapshot(CounterSnapshot(seq: 6, time: 4000, values: [1000, 1, 0]))
        try sink.sample(ProcessSample(seq: 6, pid: p, rssAnon: 1, rssFile: 0, rssShmem: 0, vmSize: 35))
        try rec(7, 5000, p, t, .alloc(AllocationCall(op: .malloc, size: 100, result: VirtualAddress(0x5555_5555_9010))),
                .alloc(AllocationResult(blockSize: 112, liveBytes: 100)))
        try rec(8, 6000, p, t, .file(FileCall(op: .open, file: FileID(1), path: StringID(3), size: 16384, result: 3)),
                .file(FileResult()))
        try sink.file(FileRecord(id: FileID(1), path: "/data/db.bin", size: 16384))
        try rec(9, 7000, p, t, .memory(MemoryCall(op: .mmap, length: 0x4000, prot: .read, flags: 0x8002,
                                                  file: FileID(1), result: 0x7f10_0000_0000)),
                .memory(SyscallResult(result: 0x7f10_0000_0000, vma: mapped.id, pagesPopulated: 2)))
        try sink.vma(mapped)
        try sink.fault(FaultRecord(seq: 9, pid: p, address: 0x7f10_0000_0000, kind: .fileMajor, vma: mapped.id,
                                   frame: PageFrameNumber(0x200)))
        try sink.fault(FaultRecord(seq: 9, pid: p, address: 0x7f10_0000_1000, kind: .fileMajor, vma: mapped.id,
                                   frame: PageFrameNumber(0x201)))
        try rec(10, 8000, p, t, .control(ControlEvent(op: .phase, name: StringID(4))), .control)
        try rec(11, 9000, p, t, .process(ProcessEvent(op: .fork, process: child, thread: childThread)),
                .process(ProcessResult(pid: child, pages: 1)))
        try sink.process(ProcessRecord(pid: child, parent: p, image: "/usr/bin/app", startSeq: 11))
        try sink.thread(ThreadRecord(tid: childThread, pid: child, startSeq: 11))
        try sink.vma(childAnon)
        try access(12, 9500, child, .store, 0x7f00_0000_0020, 4, .cowCopy, 0x101, 4)
        try access(13, 10000, p, .load, 0x7f10_0000_2010, 8, .fileMinor, 0x202, 3)
        try rec(14, 11000, p, t, .file(FileCall(op: .read, file: FileID(1), offset: 0, length: 8192, result: 8192)),
                .file(FileResult(pagesCached: 2)))
        try rec(15, 11500, p, t, .file(FileCall(op: .read, file: FileID(1), offset: 8192, length: 8192, result: 8192)),
                .file(FileResult(pagesCached: 1, pagesRead: 1)))
        try rec(16, 12000, p, t, .memory(MemoryCall(op: .munmap, address: VirtualAddress(0x1234), length: 4096,
                                                    result: -22)),
                .memory(SyscallResult(result: -22, vma: .none)))
        try rec(17, 12500, p, t, .memory(MemoryCall(op: .madvise, address: VirtualAddress(0x7f00_0000_0000),
                                                    length: 0x2000, flags: 4)),
                .memory(SyscallResult(result: 0, vma: anon.id, pagesFreed: 1)))
        try access(18, 13000, p, .store, 0x7f00_0000_0010, 8, .anonNew, 0x102, 2)
        try sink.snapshot(CounterSnapshot(seq: 18, time: 13000, values: [990, 6, 2]))
        try sink.sample(ProcessSample(seq: 18, pid: p, rssAnon: 1, rssFile: 3, rssShmem: 0, vmSize: 39))
        try sink.sample(ProcessSample(seq: 18, pid: child, rssAnon: 1, rssFile: 0, rssShmem: 0, vmSize: 2))
        try rec(19, 14000, p, t, .alloc(AllocationCall(op: .free, pointer: VirtualAddress(0x5555_5555_9010))),
                .alloc(AllocationResult(blockSize: 0, liveBytes: 0)))
        try rec(20, 15000, child, childThread, .process(ProcessEvent(op: .exit, status: 0)),
                .process(ProcessResult(pid: child, pages: 1)))
        try sink.process(ProcessRecord(pid: child, parent: p, image: "/usr/bin/app", startSeq: 11, endSeq: 20,
                                       exitStatus: 0))
        try sink.thread(ThreadRecord(tid: childThread, pid: child, startSeq: 11, endSeq: 20))
        var ended = childAnon
        ended.endSeq = 20
        try sink.vma(ended)
        try sink.snapshot(CounterSnapshot(seq: 20, time: 15000, values: [991, 6, 2]))
        try sink.sample(ProcessSample(seq: 20, pid: p, rssAnon: 1, rssFile: 3, rssShmem: 0, vmSize: 39))
        try sink.finish(metrics: metrics, endedAt: endedAt)
    }

    /// Builds the fixture database at `directory/name` and returns its path.
    static func build(in directory: String, name: String = "run.db") throws -> String {
        let path = directory + "/" + name
        var store = try SQLiteStore(path: path)
        try drive(&store)
        return path
    }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var base = NSTemporaryDirectory()
        while base.hasSuffix("/") { base.removeLast() }
        var template = Array((base + "/memstore-test-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }

    /// The names in the directory, sorted.
    func contents() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}

/// Runs `sql` on `database` and returns every row of the first result set as text (NULL as "NULL").
func rows(_ database: String, _ sql: String) throws -> [[String]] {
    let results = try QueryRunner.execute(database: database, sql: sql)
    return (results.first?.rows ?? []).map { row in
        row.map { value -> String in
            switch value {
            case .null: "NULL"
            case .integer(let v): String(v)
            case .real(let v): String(v)
            case .text(let s): s
            case .blob(let b): b.map { String($0) }.joined(separator: " ")
            }
        }
    }
}
