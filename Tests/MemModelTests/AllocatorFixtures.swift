import Foundation
import TestSupport
import MemTrace
@testable import MemModel

/// The C test programs of Tests/Fixtures/alloc, run for real: each is compiled with gcc and
/// linked with `malloc_log.c`, which logs every malloc-family call, and run under
/// `strace -f -e trace=memory`. The log becomes a `.mrt` trace; strace's output gives the
/// real brk, mmap and munmap counts and the real peak program break.
enum AllocatorFixtures {
    static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/alloc")

    static func tool(_ name: String) -> String? {
        for dir in ["/usr/bin", "/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    static var haveTools: Bool { tool("gcc") != nil && tool("strace") != nil }

    /// What strace saw after the program's start marker (madvise(NULL, 0, MADV_NORMAL)).
    struct Strace {
        var brk = 0, mmap = 0, munmap = 0, mremap = 0
        var initialBreak: UInt64 = 0
        var peakBreak: UInt64 = 0
        var peakBreakBytes: UInt64 { peakBreak - initialBreak }
    }

    struct Run {
        var calls: [AllocationCall]
        var strace: Strace
        var trace: URL
    }

    nonisolated(unsafe) static var runs: [String: Run] = [:]
    static let lock = NSLock()

    /// `run(program)` once per test process.
    static func cachedRun(_ program: String) throws -> Run {
        lock.lock(); defer { lock.unlock() }
        if let r = runs[program] { return r }
        let r = try run(program)
        runs[program] = r
        return r
    }

    static func run(_ program: String) throws -> Run {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memreplay-alloc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let exe = dir.appendingPathComponent(program).path
        try shell(tool("gcc")!, ["-O1", "-o", exe, directory.appendingPathComponent("\(program).c").path,
                                 directory.appendingPathComponent("malloc_log.c").path], env: [:])
        let log = dir.appendingPathComponent("\(program).log").path
        let st = dir.appendingPathComponent("\(program).strace").path
        try shell(tool("strace")!, ["-f", "-e", "trace=memory", "-o", st, exe], env: ["MALLOC_LOG": log])
        let strace = try parseStrace(String(contentsOfFile: st, encoding: .utf8))
        let calls = try parseLog(String(contentsOfFile: log, encoding: .utf8), file: log)
        let trace = dir.appendingPathComponent("\(program).mrt")
        try writeTrace(calls, program: exe, initialBreak: strace.initialBreak, to: trace)
        return Run(calls: calls, strace: strace, trace: trace)
    }

    static func shell(_ exe: String, _ args: [String], env: [String: String]) throws {
        let r = try Subprocess.run(exe, args, addingEnvironment: env, timeout: 300)
        guard r.status == 0 else { throw FixtureError("\(exe) \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
    }

    static func parseStrace(_ text: String) throws -> Strace {
        var s = Strace()
        var started = false
        for line in text.split(separator: "\n") {
            guard let eq = line.range(of: " = ", options: .backwards) else { continue }
            let result = line[eq.upperBound...].split(separator: " ").first.map(String.init) ?? ""
            let value = result.hasPrefix("0x") ? UInt64(result.dropFirst(2), radix: 16) ?? 0 : UInt64(result) ?? 0
            if line.contains("brk(") && s.initialBreak == 0 { s.initialBreak = value }
            if line.contains("madvise(NULL, 0, MADV_NORMAL)") { started = true; continue }
            guard started else { continue }
            if line.contains(" brk(") { s.brk += 1; s.peakBreak = max(s.peakBreak, value) }
            else if line.contains(" mmap(") { s.mmap += 1 }
            else if line.contains(" munmap(") { s.munmap += 1 }
            else if line.contains(" mremap(") { s.mremap += 1 }
        }
        guard started else { throw FixtureError("strace output has no start marker") }
        if s.peakBreak == 0 { s.peakBreak = s.initialBreak }
        return s
    }

    /// Reads malloc_log.c's lines; an unreadable line is an error naming the file and line.
    static func parseLog(_ text: String, file: String) throws -> [AllocationCall] {
        var calls: [AllocationCall] = []
        for (i, line) in text.split(separator: "\n").enumerated() {
            let f = line.split(separator: " ")
            let n = f.dropFirst().compactMap { UInt64($0) }
            func need(_ k: Int) throws { if n.count != k { throw FixtureError("\(file): line \(i + 1): expected \(k) numbers after '\(f.first ?? "")'") } }
            switch f.first {
            case "m": try need(2); calls.append(AllocationCall(op: .malloc, size: n[0], result: VirtualAddress(n[1]), error: n[1] == 0 ? 12 : 0))
            case "c": try need(3); calls.append(AllocationCall(op: .calloc, size: n[1], count: n[0], result: VirtualAddress(n[2]), error: n[2] == 0 ? 12 : 0))
            case "r": try need(3); calls.append(AllocationCall(op: .realloc, pointer: VirtualAddress(n[0]), size: n[1], result: VirtualAddress(n[2]),
                                                                error: n[2] == 0 && n[1] != 0 ? 12 : 0))
            case "f": try need(1); calls.append(AllocationCall(op: .free, pointer: VirtualAddress(n[0])))
            case "a": try need(3); calls.append(AllocationCall(op: .memalign, size: n[1], alignment: n[0], result: VirtualAddress(n[2])))
            default: throw FixtureError("\(file): line \(i + 1): expected a call letter m, c, r, f or a")
            }
        }
        return calls
    }

    static func writeTrace(_ calls: [AllocationCall], program: String, initialBreak: UInt64, to url: URL) throws {
        let image = MappedRegion(start: initialBreak - 0x1000, end: initialBreak, permissions: "rw-p", path: program)
        let header = TraceHeader(producer: "malloc_log", producerVersion: "1", commandLine: [program],
                                 processes: [InitialProcess(pid: 1, executable: program, regions: [image])])
        let w = try TraceWriter(path: url.path, header: header)
        for (i, c) in calls.enumerated() {
            try w.append(TraceRecord(time: UInt64(i), pid: ProcessID(1), tid: ThreadID(1), event: .alloc(c)))
        }
        try w.close()
    }

    /// Replays a trace's malloc-family events through a model, as recorded.
    static func replay<A: HeapAllocator>(_ trace: URL, _ make: @escaping (HeapLayout) -> A) throws -> ModeledHeap<A> {
        let reader = try TraceReader(path: trace.path)
        var heap = ModeledHeap(reallocates: false, make: make)
        for p in reader.header.processes { heap.seed(p) }
        while let r = try reader.next() {
            if case .alloc(let a) = r.event { _ = heap.allocation(a, pid: r.pid, tid: r.tid, time: r.time) }
        }
        return heap
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
