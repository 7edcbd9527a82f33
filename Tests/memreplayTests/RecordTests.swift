import Foundation
import TestSupport
import MemTrace
import Testing

/// `memreplay record` on real programs: a multi-threaded C program with a fork and an exec whose
/// every event is known, and the end-to-end path to a replay.
@Suite(.serialized)
struct RecordTests {
    static let hasCC = FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/Fixtures/recorder")

    /// Compiles a fixture with cc (-O0 -fno-builtin, so every call in the source is a call).
    static func compile(_ name: String, in dir: URL) throws -> String {
        let out = dir.appendingPathComponent(name).path
        let cc = try Subprocess.run("/usr/bin/cc", ["-O0", "-fno-builtin", "-o", out, fixtures.appendingPathComponent(name + ".c").path, "-lpthread"])
        #expect(cc.status == 0, "\(cc)")
        return out
    }

    static func records(_ path: String) throws -> (TraceHeader, [TraceRecord], TraceReader) {
        let r = try TraceReader(path: path)
        var out: [TraceRecord] = []
        while let e = try r.next() { out.append(e) }
        return (r.header, out, r)
    }

    @Test(.enabled(if: hasCC)) func lifecycleProgramEveryEvent() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordTests.compile("lifecycle", in: dir)
        let trace = dir.appendingPathComponent("lc.mrt").path
        let data = dir.appendingPathComponent("lc.dat").path
        let result = try CLI.run(["record", "-o", trace, "--", program, "run", data])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("did not finish"))
        let (header, events, reader) = try RecordTests.records(trace)
        #expect(header.producer == "memreplay-record")
        let root = try #require(header.processes.first)
        #expect(header.processes.count == 1)
        #expect(root.executable == program)
        #expect(root.regions.contains { $0.path == program })
        #expect(root.regions.contains { $0.path == "[stack]" })
        let rootPid = ProcessID(root.pid)

        // The root's own calls, in program order.
        let mine = events.filter { $0.pid == rootPid && $0.tid.rawValue == root.pid }
        let allocs = mine.compactMap { r -> AllocationCall? in if case .alloc(let a) = r.event, a.op != .free { return a } else { return nil } }
        let expected: [(AllocOp, UInt64)] = [(.malloc, 1000), (.calloc, 100), (.realloc, 5000), (.posixMemalign, 256),
                                             (.alignedAlloc, 512), (.memalign, 100), (.valloc, 100)]
        let ours = allocs.filter { a in expected.contains { $0.0 == a.op && $0.1 == a.size } }
        #expect(ours.map(\.op) == expected.map(\.0))
        let calloc = try #require(ours.first { $0.op == .calloc })
        #expect(calloc.count == 10)
        let realloc = try #require(ours.first { $0.op == .realloc })
        #expect(realloc.pointer == ours[0].result)
        #expect(ours.first { $0.op == .posixMemalign }!.result.rawValue % 64 == 0)
        #expect(ours.first { $0.op == .alignedAlloc }!.alignment == 128)
        #expect(ours.first { $0.op == .valloc }!.result.rawValue % 4096 == 0)
        // Each block is freed once.
        let freed = Set(mine.compactMap { r -> UInt64? in if case .alloc(let a) = r.event, a.op == .free { return a.pointer.rawValue } else { return nil } })
        for a in ours.dropFirst(2) where a.op != .realloc { #expect(freed.contains(a.result.rawValue)) }
        #expect(freed.contains(realloc.result.rawValue) && freed.contains(calloc.result.rawValue))

        let memory = mine.compactMap { r -> MemoryCall? in if case .memory(let m) = r.event, m.op != .brk, m.op != .region { return m } else { return nil } }
        let mapping = try #require(memory.first { $0.op == .mmap && $0.length == 65536 })
        #expect(mapping.mapFlags.contains(.anonymous) && mapping.mapFlags.contains(.private) && mapping.result > 0)
        let base = UInt64(mapping.result)
        #expect(memory.contains { $0.op == .mprotect && $0.address.rawValue == base && $0.length == 4096 && $0.prot == .read && $0.result == 0 })
        #expect(memory.contains { $0.op == .madvise && $0.address.rawValue == base + 4096 && $0.advice == .dontNeed })
        #expect(memory.contains { $0.op == .munmap && $0.address.rawValue == base && $0.length == 65536 && $0.result == 0 })

        // File I/O on the regular file: open (declared with its path), write, fsync, pread, truncate, close.
        let files = mine.compactMap { r -> FileCall? in if case .file(let f) = r.event { return f } else { return nil } }
        let open = try #require(files.first { $0.op == .open && reader.string($0.path) == data })
        let io = files.filter { $0.file == open.file }
        #expect(io.map(\.op) == [.open, .write, .fsync, .read, .truncate, .close])
        #expect(io[1].length == 8192 && io[1].result == 8192 && io[1].offset == 0)
        #expect(io[3].length == 4096 && io[3].result == 4096 && io[3].offset == 0)
        #expect(io[4].size == 4096)

        // Two threads, started by the main thread, 100 malloc/free pairs of 48 bytes each.
        let starts = events.compactMap { r -> ThreadID? in
            if case .process(let p) = r.event, p.op == .threadStart, r.pid == rootPid, r.tid.rawValue == root.pid { return p.thread } else { return nil }
        }
        #expect(starts.count == 2)
        for t in starts {
            let own = events.filter { $0.tid == t }
            let mallocs = own.filter { if case .alloc(let a) = $0.event { a.op == .malloc && a.size == 48 } else { false } }
            #expect(mallocs.count == 100)
            #expect(own.contains { if case .process(let p) = $0.event { p.op == .threadExit } else { false } })
        }

        // The fork: the child mallocs 777 then execs itself, whose image mallocs 4242 and exits 7.
        let fork = try #require(events.first { if case .process(let p) = $0.event { p.op == .fork } else { false } })
        guard case .process(let forkEvent) = fork.event else { return }
        let child = forkEvent.process
        let childEvents = events.filter { $0.pid == child }
        #expect(childEvents.first.map { $0.time >= fork.time } == true)
        let childOps: [String] = childEvents.compactMap { r in
            switch r.event {
            case .alloc(let a) where a.op == .malloc && (a.size == 777 || a.size == 4242): "malloc \(a.size)"
            case .process(let p): p.op.name + (p.op == .exit ? " \(p.status)" : "")
            default: nil
            }
        }
        #expect(childOps == ["malloc 777", "exec", "malloc 4242", "exit 7"])
        #expect(childEvents.contains { if case .memory(let m) = $0.event { m.op == .region } else { false } })
        // The root exits last, with status 0.
        let exits = events.filter { if case .process(let p) = $0.event { p.op == .exit } else { false } }
        #expect(exits.last?.pid == rootPid)
        if case .process(let p) = exits.last?.event { #expect(p.status == 0) }
        // Times never go backwards within a thread.
        var last: [UInt64: UInt64] = [:]
        for r in events {
            let key = UInt64(r.pid.rawValue) << 32 | UInt64(r.tid.rawValue)
            #expect(r.time >= last[key] ?? 0)
            last[key] = r.time
        }

        // And it replays end to end.
        let db = dir.appendingPathComponent("lc.db").path
        let replay = try CLI.run(["replay", trace, "-o", db, "--quiet"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let count = try CLI.run(["query", db, "SELECT value FROM metrics WHERE name = 'events.total'", "--format", "csv"])
        #expect(count.stdout.contains(String(events.count)))
    }

    @Test(.enabled(if: hasCC)) func noFollowForksRecordsOnlyTheRoot() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordTests.compile("lifecycle", in: dir)
        let trace = dir.appendingPathComponent("nf.mrt").path
        let result = try CLI.run(["record", "--no-follow-forks", "-o", trace, "--", program, "run", dir.appendingPathComponent("d").path])
        #expect(result.status == 0, "\(result.stderr)")
        let (header, events, _) = try RecordTests.records(trace)
        let pids = Set(events.map(\.pid))
        #expect(pids == [ProcessID(header.processes[0].pid)])
        #expect(events.contains { if case .process(let p) = $0.event { p.op == .fork } else { false } })
    }

    /// malloc's own mmaps and munmaps (its mmapped chunks) carry the allocator-internal bit, and a
    /// replay with an allocator model leaves them out: the model makes its own.
    @Test(.enabled(if: hasCC)) func mallocsOwnMappingsAreMarkedAndLeftOutWhenReallocating() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordTests.compile("churn", in: dir)
        let trace = dir.appendingPathComponent("churn.mrt").path
        #expect(try CLI.run(["record", "-o", trace, "--", program, "3000"]).status == 0)
        let (_, events, _) = try RecordTests.records(trace)
        let own = events.filter { if case .memory(let m) = $0.event { return m.isAllocatorInternal } else { return false } }
        #expect(own.contains { if case .memory(let m) = $0.event { return m.op == .mmap && m.result > 0 } else { return false } })
        #expect(own.contains { if case .memory(let m) = $0.event { return m.op == .munmap } else { return false } })
        let sql = "SELECT count(*) FROM memory_calls WHERE (flags & 2147483648) != 0 AND op = 0 AND vma != 0"
        for (args, replayed) in [([String](), true), (["--allocator", "ptmalloc"], false)] {
            let db = dir.appendingPathComponent("r\(args.count).db").path
            #expect(try CLI.run(["replay", trace, "-o", db, "-q"] + args).status == 0)
            let n = try CLI.run(["query", db, sql, "--format", "csv"]).stdout.split(separator: "\n").last.map(String.init) ?? ""
            #expect(replayed ? (Int(n) ?? 0) > 0 : n == "0", "\(args): \(n)")
        }
    }

    @Test func missingCommandIsAUsageError() throws {
        let r = try CLI.run(["record", "-o", "/tmp/never.mrt"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("expected the command"))
        let bad = try CLI.run(["record", "--accesses", "cachegrind", "--", "true"])
        #expect(bad.status == 2)
    }
}
