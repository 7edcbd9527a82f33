import Foundation
import TestSupport
import MemTrace
import Testing

/// `record`'s default raw recording (`--convert later`): converted on first read, in place and
/// once; `memreplay convert` to another file or in place; the same bytes as the merge of the same
/// segments by the `--convert now` path; damage refused with status 2 and the file left alone.
@Suite(.serialized)
struct RecordRawTests {
    static let hasCC = FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test(.enabled(if: hasCC)) func rawRecordingConvertsOnFirstReadOnly() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let churn = try RecordTests.compile("churn", in: dir)
        let trace = dir.appendingPathComponent("c.mrt").path
        let r = try CLI.run(["record", "-o", trace, "--", churn, "20000"])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\(trace): raw recording, 1 segment, "), "\(r.stdout)")
        #expect(r.stdout.contains("page faults (") && r.stdout.contains(" samples captured"), "\(r.stdout)")
        #expect(RawRecording.isRaw(path: trace))

        let first = try CLI.run(["inspect", trace])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.hasPrefix("memreplay: converting raw recording \(trace) (1 segment) … done, "), "\(first.stderr)")
        #expect(first.stdout.contains("attribute:    recorder.fault_samples_lost = 0"), "\(first.stdout)")
        #expect(first.stdout.contains("attribute:    recorder.segments = 1"))
        #expect(!RawRecording.isRaw(path: trace))
        let second = try CLI.run(["inspect", trace])
        #expect(second.status == 0 && second.stderr.isEmpty, "\(second.stderr)")
        #expect(second.stdout == first.stdout)
        // 20,000 pairs: at least their 40,000 calls.
        let (_, events, _) = try RecordTests.records(trace)
        #expect(events.count >= 40_000)
        let nothing = try CLI.run(["convert", trace])
        #expect(nothing.status == 0 && nothing.stdout.contains("already a trace"), "\(nothing.stdout)")
    }

    /// One raw recording, kept and packed: `convert -o`, `convert` in place and the first reader
    /// give the same file, whose events are byte for byte the `--convert now` merge's of the same
    /// segments (`--merge-raw` of the kept directory).
    @Test(.enabled(if: hasCC)) func conversionsAgreeWithTheNowPath() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordTests.compile("lifecycle", in: dir)
        let data = dir.appendingPathComponent("lc.dat").path
        let raw = dir.appendingPathComponent("raw").path
        let trace = dir.appendingPathComponent("lc.mrt").path
        let r = try CLI.run(["record", "--keep-raw", raw, "-o", trace, "--", program, "run", data])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(": raw recording, 3 segments, "), "\(r.stdout)")
        let copy = dir.appendingPathComponent("copy.mrt").path
        let read = dir.appendingPathComponent("read.mrt").path
        try FileManager.default.copyItem(atPath: trace, toPath: copy)
        try FileManager.default.copyItem(atPath: trace, toPath: read)
        let explicit = dir.appendingPathComponent("explicit.mrt").path
        let c = try CLI.run(["convert", trace, "-o", explicit])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("\(explicit): ") && c.stdout.contains(" from 3 segments in "), "\(c.stdout)")
        #expect(RawRecording.isRaw(path: trace), "-o leaves the input as it was")
        let inPlace = try CLI.run(["convert", copy])
        #expect(inPlace.status == 0, "\(inPlace.stderr)")
        #expect(try bytes(copy) == bytes(explicit))
        _ = try RecordTests.records(read)
        #expect(try bytes(read) == bytes(explicit))

        let again = dir.appendingPathComponent("again.mrt").path
        let m = try CLI.run(["record", "--merge-raw", raw, "-o", again, "--", program, "run", data])
        try #require(m.status == 0, "\(m.stderr)")
        #expect(try RecordClockTests.body(explicit) == RecordClockTests.body(again))
        let (h1, _, _) = try RecordTests.records(explicit)
        let (h2, _, _) = try RecordTests.records(again)
        #expect(h1.processes == h2.processes)
        #expect(h1.attributes["recorder.clock"] == h2.attributes["recorder.clock"])
        #expect(h1.attributes["recorder.exit_status"] == "0" && h1.attributes["recorder.fault_source"] != nil)

        // --convert now writes the trace itself.
        let now = dir.appendingPathComponent("now.mrt").path
        let n = try CLI.run(["record", "--convert", "now", "-o", now, "--", program, "run", data])
        #expect(n.status == 0 && n.stdout.contains(" events, 2 processes, "), "\(n.stdout)")
        #expect(!RawRecording.isRaw(path: now))
    }

    @Test(.enabled(if: hasCC)) func damagedRawRecordingIsRefusedWithStatus2() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let churn = try RecordTests.compile("churn", in: dir)
        let trace = dir.appendingPathComponent("c.mrt").path
        try #require(try CLI.run(["record", "-q", "--accesses", "none", "-o", trace, "--", churn, "5000"]).status == 0)
        var damaged = try bytes(trace)
        damaged[damaged.count - 100] ^= 0x40
        try damaged.write(to: URL(fileURLWithPath: trace))
        for args in [["inspect", trace], ["convert", trace], ["replay", trace, "-o", dir.appendingPathComponent("c.db").path]] {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("\(trace): byte ") && r.stderr.contains("damaged block: member p"), "\(r.stderr)")
            #expect(try bytes(trace) == damaged)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") || $0.hasSuffix(".db") }
        #expect(left.isEmpty, "\(left)")
    }

    /// The first reader's stderr line is left out in quiet modes: `replay -q` and `inspect --format json`.
    @Test(.enabled(if: hasCC)) func quietReadersConvertSilently() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let churn = try RecordTests.compile("churn", in: dir)
        let a = dir.appendingPathComponent("a.mrt").path, b = dir.appendingPathComponent("b.mrt").path
        try #require(try CLI.run(["record", "-q", "--accesses", "none", "-o", a, "--", churn, "5000"]).status == 0)
        try FileManager.default.copyItem(atPath: a, toPath: b)
        let replay = try CLI.run(["replay", "-q", a, "-o", dir.appendingPathComponent("a.db").path])
        #expect(replay.status == 0 && replay.stderr.isEmpty && replay.stdout.isEmpty, "\(replay.stderr)")
        #expect(!RawRecording.isRaw(path: a))
        let json = try CLI.run(["inspect", "--format", "json", b])
        #expect(json.status == 0 && json.stderr.isEmpty, "\(json.stderr)")
        #expect(json.stdout.hasPrefix("{"))
        #expect(!RawRecording.isRaw(path: b))
    }

    /// Ctrl-C during `memreplay convert` of a big recording: exit 130, the unpack directory in
    /// $TMPDIR removed, no temporary trace left beside the input, the raw recording unchanged.
    @Test(.enabled(if: hasCC)) func interruptedConversionLeavesNothing() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let churn = try RecordTests.compile("churn", in: dir)
        let trace = dir.appendingPathComponent("big.mrt").path
        try #require(try CLI.run(["record", "-q", "--accesses", "none", "-o", trace, "--", churn, "1000000"]).status == 0)
        let before = try bytes(trace)
        let tmp = dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let p = try Subprocess.start(CLI.binary.path, ["convert", "-q", trace], addingEnvironment: ["TMPDIR": tmp.path])
        // Wait until a member is being unpacked, then interrupt.
        var sawUnpack = false
        for _ in 0..<4000 where !sawUnpack {
            let unpack = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path))?.first { $0.hasPrefix("memreplay-convert-") }
            if let unpack, !((try? FileManager.default.contentsOfDirectory(atPath: tmp.path + "/" + unpack)) ?? []).isEmpty {
                sawUnpack = true
            } else {
                usleep(500)
            }
        }
        p.kill(SIGINT)
        let r = p.wait(timeout: 120)
        #expect(sawUnpack)
        #expect(r.status == 130, "\(r)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp") }.isEmpty)
        #expect(try bytes(trace) == before, "the raw recording is left as it was")
        #expect(RawRecording.isRaw(path: trace))
    }
}
