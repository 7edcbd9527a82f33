import Foundation
import TestSupport
import MemTrace
import Testing

/// `memreplay record --stacks`: the stacks of malloc calls from known call chains, compared with
/// glibc's backtrace() at the same point (Tests/Fixtures/recorder/stacks.c), with and without
/// frame pointers; the stack namespace across fork and threads; `inspect --stacks`.
@Suite(.serialized)
struct RecordStacksTests {
    static let fixture = RecordTests.fixtures.appendingPathComponent("stacks.c").path

    /// Compiles the stacks fixture at -O2 with or without frame pointers.
    static func compile(framePointers: Bool, in dir: URL) throws -> String {
        let out = dir.appendingPathComponent(framePointers ? "stk-fp" : "stk-nofp").path
        let flag = framePointers ? "-fno-omit-frame-pointer" : "-fomit-frame-pointer"
        let cc = try Subprocess.run("/usr/bin/cc", ["-O2", flag, "-o", out, fixture, "-ldl"])
        #expect(cc.status == 0, "\(cc)")
        return out
    }

    /// Records `program` with `--stacks mode`; the program's backtrace() lines per call (frames from
    /// the caller of leaf on) and the recorded stack of each malloc(100 + i), as object+offset.
    static func record(_ program: String, stacks mode: String, in dir: URL) throws
        -> (oracle: [[String]], recorded: [[String]], stdout: String, trace: String)
    {
        let trace = dir.appendingPathComponent("stk-\(mode).mrt").path
        let r = try CLI.run(["record", "--accesses", "none", "--stacks", mode, "-o", trace, "--", program])
        #expect(r.status == 0, "\(r.stderr)")
        let (oracle, recorded) = try Self.stacks(stdout: r.stdout, trace: trace, calls: 3, firstSize: 100)
        return (oracle, recorded, r.stdout, trace)
    }

    /// The program's backtrace() lines ("bt <i> <frame>") per call i < calls, and the recorded stack
    /// of each malloc(firstSize + i) in `trace`, as object+offset.
    static func stacks(stdout: String, trace: String, calls: Int, firstSize: UInt64) throws -> (oracle: [[String]], recorded: [[String]]) {
        var oracle = [[String]](repeating: [], count: calls)
        for line in stdout.split(separator: "\n") where line.hasPrefix("bt ") {
            let parts = line.split(separator: " ")
            if parts.count == 3, let i = Int(parts[1]), i < calls { oracle[i].append(String(parts[2])) }
        }
        let (_, records, reader) = try RecordTests.records(trace)
        var recorded = [[String]](repeating: [], count: calls)
        for rec in records {
            guard case .alloc(let a) = rec.event, a.op == .malloc, a.size >= firstSize, a.size < firstSize + UInt64(calls) else { continue }
            recorded[Int(a.size - firstSize)] = reader.stacks.frames(of: a.stack).map { StackCensus.describe($0, in: reader.stacks) }
        }
        #expect(reader.stacks.checkInvariants())
        return (oracle, recorded)
    }

    /// Without frame pointers (what Debian's binaries are), the `.eh_frame` unwinder gives the
    /// whole stack backtrace() gives: the fixture's own frames, libc's start-up, _start.
    @Test(.enabled(if: RecordTests.hasCC)) func dwarfMatchesBacktraceWithoutFramePointers() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try Self.compile(framePointers: false, in: dir)
        let got = try Self.record(program, stacks: "dwarf", in: dir)
        for i in 0..<3 {
            try #require(got.oracle[i].count >= 5, "\(got.stdout)")
            // Frame 0 is malloc's call site in leaf (backtrace's is a few bytes before it).
            #expect(got.recorded[i].first?.hasPrefix("stk-nofp+0x") == true, "\(got.recorded[i])")
            #expect(Array(got.recorded[i].dropFirst()) == got.oracle[i], "call \(i): recorded \(got.recorded[i]) backtrace \(got.oracle[i])")
        }
        #expect(got.recorded[0] != got.recorded[1] || got.recorded[0].isEmpty == false)
    }

    /// With frame pointers the fp walk gives the fixture's frames up to main (glibc's start-up code
    /// has none, so it ends there or one frame later); so does dwarf.
    @Test(.enabled(if: RecordTests.hasCC)) func framePointerWalkMatchesBacktraceUpToMain() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try Self.compile(framePointers: true, in: dir)
        let fp = try Self.record(program, stacks: "fp", in: dir)
        for i in 0..<3 {
            // mid, top, main: three frames of the program after leaf's own.
            try #require(fp.recorded[i].count >= 4, "\(fp.recorded[i])")
            #expect(Array(fp.recorded[i][1...3]) == Array(fp.oracle[i].prefix(3)), "fp \(fp.recorded[i]) vs \(fp.oracle[i])")
        }
        let dwarf = try Self.record(program, stacks: "dwarf", in: dir)
        for i in 0..<3 { #expect(Array(dwarf.recorded[i].dropFirst()) == dwarf.oracle[i]) }
    }

    /// --stacks none: no stack table, no stack on any call.
    @Test(.enabled(if: RecordTests.hasCC)) func noStacksRecordsNone() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try Self.compile(framePointers: false, in: dir)
        let got = try Self.record(program, stacks: "none", in: dir)
        #expect(got.recorded.allSatisfy { $0.isEmpty })
        let (_, _, reader) = try RecordTests.records(got.trace)
        #expect(reader.stacks.nodes.isEmpty && reader.stacks.objects.isEmpty)
    }

    /// The memo of `.eh_frame` walks (Tests/Fixtures/recorder/stackmemo.c, no frame pointers): two
    /// chains reaching malloc from one call site with one stack pointer, and a recursion whose
    /// depth changes; every call's stack is backtrace()'s, and the summary shows calls that reused
    /// a memoised walk (the frees at the end, from one site).
    @Test(.enabled(if: RecordTests.hasCC)) func memoisedWalksStayExact() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = dir.appendingPathComponent("stackmemo").path
        let source = RecordTests.fixtures.appendingPathComponent("stackmemo.c").path
        let cc = try Subprocess.run("/usr/bin/cc", ["-O2", "-fomit-frame-pointer", "-o", program, source, "-ldl"])
        try #require(cc.status == 0, "\(cc)")
        let trace = dir.appendingPathComponent("memo.mrt").path
        let r = try CLI.run(["record", "--accesses", "none", "--convert", "now", "--stacks", "dwarf", "-o", trace, "--", program])
        #expect(r.status == 0, "\(r.stderr)")
        let (oracle, recorded) = try Self.stacks(stdout: r.stdout, trace: trace, calls: 18, firstSize: 700)
        for i in 0..<18 {
            try #require(oracle[i].count >= 4, "\(r.stdout)")
            #expect(Array(recorded[i].dropFirst()) == oracle[i], "call \(i): recorded \(recorded[i]) backtrace \(oracle[i])")
        }
        // The chains: the same call site in leaf, then via_a or via_b, then the same frames.
        let a = [0, 1, 4, 6, 7, 9].map { recorded[$0] }, b = [2, 3, 5, 8, 10, 11].map { recorded[$0] }
        #expect(Set(a).count == 1 && Set(b).count == 1, "\(a) \(b)")
        #expect(a[0].count == b[0].count && a[0].count >= 3 && a[0][1] != b[0][1], "\(a[0]) \(b[0])")
        #expect(a[0].first == b[0].first && a[0].dropFirst(2) == b[0].dropFirst(2))
        // The recursion: depths 3 3 5 1 5 3 below the same frames.
        let depths = recorded[12..<18].map(\.count)
        #expect(depths.map { $0 - depths[3] } == [2, 2, 4, 0, 4, 2], "\(depths)")
        let reuse = try #require(r.stdout.firstMatch(of: /; (\d+) calls reused one of (\d+) memoised walks/), "\(r.stdout)")
        #expect((Int(reuse.1) ?? 0) >= 17 && (Int(reuse.2) ?? 0) > 0, "\(r.stdout)")
    }

    /// Threads, a fork and an exec (the lifecycle fixture): every allocation's stack resolves, the
    /// child's included (it goes on with its parent's trie), and the objects carry build-ids.
    @Test(.enabled(if: RecordTests.hasCC)) func stacksResolveAcrossThreadsForkAndExec() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordTests.compile("lifecycle", in: dir)
        let trace = dir.appendingPathComponent("lc.mrt").path
        let r = try CLI.run(["record", "--accesses", "none", "--convert", "now", "--stacks", "dwarf", "-o", trace, "--", program, "run", dir.appendingPathComponent("lc.dat").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stacks: ") && !r.stdout.contains("unresolved"), "\(r.stdout)")
        let (_, records, reader) = try RecordTests.records(trace)
        var pidsWithStacks = Set<UInt32>(), allocs = 0, withStack = 0
        for rec in records {
            guard case .alloc(let a) = rec.event, a.op != .free else { continue }
            allocs += 1
            if a.stack != .none { withStack += 1; pidsWithStacks.insert(rec.pid.rawValue) }
        }
        #expect(allocs > 0 && withStack == allocs, "\(withStack) of \(allocs)")
        #expect(pidsWithStacks.count >= 2, "\(pidsWithStacks)")
        let libc = reader.stacks.objects.first { $0.path.hasSuffix("/libc.so.6") }
        #expect(libc.map { $0.buildID.count == 20 } == true)
        #expect(reader.stacks.objects.filter { $0.path.hasSuffix("/libc.so.6") }.count == 1, "one libc across processes")
    }

    /// inspect shows the counts and, with --stacks N, the top stacks frame by frame.
    @Test(.enabled(if: RecordTests.hasCC)) func inspectShowsTopStacks() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try Self.compile(framePointers: false, in: dir)
        let got = try Self.record(program, stacks: "dwarf", in: dir)
        let r = try CLI.run(["inspect", "--stacks", "3", "--stacks-by", "bytes", got.trace])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stacks: ") && r.stdout.contains("mean depth"), "\(r.stdout)")
        #expect(r.stdout.contains("#1 k") && r.stdout.contains("    stk-nofp+0x") && r.stdout.contains("    libc.so.6+0x"), "\(r.stdout)")
        let bad = try CLI.run(["inspect", "--stacks-by", "frames", got.trace])
        #expect(bad.status == 2, "\(bad.status)")
        let badRecord = try CLI.run(["record", "--stacks", "lbr", "--", "true"])
        #expect(badRecord.status == 2 && badRecord.stderr.contains("--stacks lbr"), "\(badRecord.stderr)")
    }

    /// A program whose malloc implementation calls mmap while it holds its own lock (Debian's
    /// redis-server with libjemalloc: the first wrapper call is jemalloc's mmap at its
    /// initialisation) records with `--stacks dwarf` instead of deadlocking: the main thread's stack
    /// bounds come from /proc/self/maps without malloc (before, pthread_getattr_np's fopen called
    /// malloc inside that mmap and the server hung at start-up).
    @Test(.enabled(if: ["/usr/bin/redis-server", "/usr/bin/redis-cli"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) },
                   "needs redis-server and redis-cli (apt-get install redis-server)"))
    func dwarfStacksUnderJemallocDoNotDeadlock() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("redis-dwarf.mrt").path
        let port = 20000 + Int(getpid() % 20000)
        let script = """
            /usr/bin/redis-server --port \(port) --save '' --appendonly no --dir \(dir.path) &
            for i in $(seq 100); do /usr/bin/redis-cli -p \(port) ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
            /usr/bin/redis-cli -p \(port) set k v
            /usr/bin/redis-cli -p \(port) shutdown nosave
            wait
            """
        let r = try Subprocess.run("/usr/bin/timeout", ["120", CLI.binary.path, "record", "--accesses", "none", "--stacks", "dwarf",
                                                         "--convert", "now", "-o", trace, "--", "/bin/sh", "-c", script], timeout: 180)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("OK"), "\(r.stdout)")
        guard r.status == 0 else { return }
        let (_, records, _) = try RecordTests.records(trace)
        var allocs = 0, withStack = 0
        for rec in records {
            guard case .alloc(let a) = rec.event, a.op != .free else { continue }
            allocs += 1
            if a.stack != .none { withStack += 1 }
        }
        #expect(allocs > 0 && withStack * 10 >= allocs * 9, "\(withStack) of \(allocs) allocation calls with a stack")
    }
}
