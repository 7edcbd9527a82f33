import Foundation
import TestSupport
import MemTrace
import Testing

/// `record --fault-stacks dwarf|callchain` with `--accesses faults`: the call stack of each page fault
/// (Tests/Fixtures/recorder/faultstacks.c: touch_pages writes fresh pages, read_into read()s into
/// a fresh buffer, in the main thread, a second thread and a forked child). The frames of the
/// touches of those pages are checked with `memreplay symbolize` on their offsets (minus one: every
/// frame, the innermost too, is an address just after its instruction). Runs where perf is permitted.
@Suite(.serialized)
struct RecordFaultStacksTests {
    static let fixture = RecordTests.fixtures.appendingPathComponent("faultstacks.c").path
    static let enabled = RecordFaultsTests.hasCC && RecordFaultsTests.perfAllowed

    /// One range the fixture printed: "touch|read main|thread|child pid address pages".
    struct Range { var what: String; var who: String; var pid: UInt32; var start: UInt64; var pages: UInt64 }

    /// Compiles the fixture at -O2, without frame pointers or with them (leaf functions too).
    static func compile(framePointers: Bool, in dir: URL) throws -> String {
        let out = dir.appendingPathComponent(framePointers ? "fs-fp" : "fs-nofp").path
        let flags = framePointers ? ["-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer"] : ["-fomit-frame-pointer"]
        let cc = try Subprocess.run("/usr/bin/cc", ["-O2"] + flags + ["-o", out, fixture, "-lpthread"])
        try #require(cc.status == 0, "\(cc)")
        return out
    }

    /// Records the fixture with `--stacks mode` (nil: the default) and `--fault-stacks` (nil: the
    /// default); per printed range, the function names of the frames (innermost first) of each of
    /// its pages' touches.
    static func record(_ program: String, stacks mode: String?, faultStacks: String? = nil, in dir: URL,
                       environment: [String: String] = [:]) throws
        -> (ranges: [Range], functions: [String: [[String]]], header: TraceHeader, stderr: String, table: StackTable, touches: [MemoryAccess]) {
        let trace = dir.appendingPathComponent("fs-\(mode ?? "default")\(faultStacks.map { "-" + $0 } ?? "").mrt").path
        let options = (mode.map { ["--stacks", $0] } ?? []) + (faultStacks.map { ["--fault-stacks", $0] } ?? [])
        let r = try CLI.run(["record", "--convert", "now"] + options + ["-o", trace, "--", program, "32"], environment: environment)
        try #require(r.status == 0, "\(r.stderr)")
        var ranges: [Range] = []
        for line in r.stdout.split(separator: "\n") {
            let p = line.split(separator: " ")
            guard p.count == 5, p[0] == "touch" || p[0] == "read", let pid = UInt32(p[2]),
                  let start = UInt64(p[3].dropFirst(2), radix: 16), let pages = UInt64(p[4]) else { continue }
            ranges.append(Range(what: String(p[0]), who: String(p[1]), pid: pid, start: start, pages: pages))
        }
        try #require(ranges.count == 6, "\(r.stdout)")
        let (header, records, reader) = try RecordTests.records(trace)
        let table = reader.stacks
        #expect(table.checkInvariants())
        var stacksOf: [String: [StackID]] = [:]
        var touches: [MemoryAccess] = []
        for rec in records {
            guard case .access(let a) = rec.event, a.kind.isTouch else { continue }
            touches.append(a)
            for g in ranges where rec.pid.rawValue == g.pid && a.address.rawValue >= g.start && a.address.rawValue < g.start + g.pages * 4096 {
                stacksOf[g.what + " " + g.who, default: []].append(a.stack)
            }
        }
        // Symbolize every frame of the program's own object at once.
        let programObject = table.objects.first { $0.path.hasSuffix("/" + URL(fileURLWithPath: program).lastPathComponent) }
        var offsets = Set<UInt64>()
        for list in stacksOf.values { for s in Set(list) { for f in table.frames(of: s) where f.object == programObject?.id { offsets.insert(f.offset - 1) } } }
        var names: [UInt64: String] = [:]
        if !offsets.isEmpty {
            let sorted = offsets.sorted()
            let sym = try CLI.run(["symbolize", "--no-inlines", program] + sorted.map { String($0, radix: 16) })
            try #require(sym.status == 0, "\(sym.stderr)")
            let lines = sym.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            for (i, o) in sorted.enumerated() where 2 * i < lines.count { names[o] = String(lines[2 * i]) }
        }
        var functions: [String: [[String]]] = [:]
        for (key, list) in stacksOf {
            functions[key] = list.map { s in
                table.frames(of: s).map { f in f.object == programObject?.id ? names[f.offset - 1] ?? "?" : StackCensus.describe(f, in: table) }
            }
        }
        return (ranges, functions, header, r.stderr, table, touches)
    }

    /// Without frame pointers (`dwarf`): every touch of touch_pages' pages has touch_pages as its
    /// innermost frame; every touch of read_into's buffer (taken by the kernel in read()) has
    /// read_into among its frames, under libc's read; main, the thread's start and the child too.
    @Test(.enabled(if: enabled)) func dwarfStacksNameTheFaultingFunctions() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let got = try Self.record(try Self.compile(framePointers: false, in: dir), stacks: "dwarf", faultStacks: "dwarf", in: dir)
        #expect(got.header.attributes["recorder.fault_samples_lost"] == "0")
        for who in ["main", "thread", "child"] {
            let touch = try #require(got.functions["touch " + who], "\(got.functions.keys)")
            let read = try #require(got.functions["read " + who])
            let expected = who == "main" ? 32 : 16
            #expect(touch.count == expected, "touch \(who): \(touch.count) touches")
            #expect(read.count >= expected / 2, "read \(who): \(read.count) touches")
            for frames in touch { #expect(frames.first == "touch_pages", "touch \(who): \(frames)") }
            for frames in read {
                #expect(frames.first?.hasPrefix("libc.so.6+") == true, "read \(who): \(frames)")
                #expect(frames.dropFirst().first == "read_into", "read \(who): \(frames)")
            }
            // The outer frames: main for the main thread and the child (fork keeps the stack), the
            // thread's start routine otherwise.
            let outer = who == "thread" ? "worker" : "main"
            for frames in touch + read { #expect(frames.contains(outer), "\(who): \(frames)") }
        }
        // Fault stacks share the trie with allocation stacks: the root frames (libc's start-up,
        // _start) of main's fault stacks are the same nodes.
        let mainStacks = Set(got.touches.map(\.stack)).filter { $0 != .none }
        #expect(mainStacks.count >= 4)
    }

    /// With frame pointers (`fp`: the kernel's callchain): touch_pages then its caller's caller
    /// chain up to main; read()'s faults have libc's read innermost (it keeps no frame of its own,
    /// so the walk goes on from read_into's caller, as perf's does) and main among the frames.
    @Test(.enabled(if: enabled)) func framePointerCallchainsNameTheFaultingFunctions() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let got = try Self.record(try Self.compile(framePointers: true, in: dir), stacks: "fp", in: dir)
        #expect(got.header.attributes["recorder.fault_samples_lost"] == "0")
        for who in ["main", "thread", "child"] {
            let touch = try #require(got.functions["touch " + who])
            let read = try #require(got.functions["read " + who])
            #expect(touch.count == (who == "main" ? 32 : 16))
            for frames in touch { #expect(frames.first == "touch_pages", "touch \(who): \(frames)") }
            let outer = who == "thread" ? "worker" : "main"
            for frames in touch + read { #expect(frames.contains(outer), "\(who): \(frames)") }
            for frames in read { #expect(frames.first?.hasPrefix("libc.so.6+") == true, "read \(who): \(frames)") }
        }
    }

    /// `--stacks none`: no touch has a stack, and the trace has no stack table.
    @Test(.enabled(if: enabled)) func noStacksLeavesTouchesWithout() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let got = try Self.record(try Self.compile(framePointers: false, in: dir), stacks: "none", in: dir)
        #expect(!got.touches.isEmpty)
        #expect(got.touches.allSatisfy { $0.stack == .none })
        #expect(got.table.nodes.isEmpty)
    }

    /// Perf denied (simulated): the pagemap scanner stands in, the warning says the faults have no
    /// call stacks, and no touch has one.
    @Test(.enabled(if: RecordFaultsTests.hasCC)) func perfDeniedWarnsThatFaultsHaveNoStacks() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let got = try Self.record(try Self.compile(framePointers: false, in: dir), stacks: "dwarf", in: dir,
                                  environment: ["MEMREPLAY_DENY_PERF": "1"])
        #expect(got.stderr.contains("page faults get no call stacks"), "\(got.stderr)")
        #expect(got.header.attributes["recorder.fault_source"] == "pagemap")
        #expect(got.touches.allSatisfy { $0.stack == .none })
    }

    /// `inspect --stacks N` lists the top fault stacks by faults, frame by frame.
    @Test(.enabled(if: enabled)) func inspectListsTopFaultStacks() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.record(try Self.compile(framePointers: false, in: dir), stacks: "dwarf", faultStacks: "dwarf", in: dir)
        let r = try CLI.run(["inspect", "--stacks", "40", dir.appendingPathComponent("fs-dwarf-dwarf.mrt").path])
        try #require(r.status == 0, "\(r.stderr)")
        let text = r.stdout
        let section = try #require(text.range(of: "fault stacks: "), "\(text)")
        let tail = text[section.lowerBound...]
        #expect(tail.contains(" faults\n    fs-nofp+0x"), "\(tail)")
        // Ranked: the counts after "#k kN: " never grow.
        let counts = tail.split(separator: "\n").filter { $0.hasPrefix("#") }.compactMap { Int($0.split(separator: " ")[2]) }
        #expect(counts.count >= 6 && counts == counts.sorted(by: >), "\(counts)")
    }
}
