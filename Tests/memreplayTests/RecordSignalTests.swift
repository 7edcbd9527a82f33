import Foundation
import MemTrace
import Testing

/// The interposer's fatal-signal path: a program dying of SIGSEGV or SIGABRT leaves a complete
/// trace with its events up to the crash and the signal as its exit status; one killed with
/// SIGKILL loses at most its last unflushed per-thread buffer.
@Suite(.serialized)
struct RecordSignalTests {
    /// Allocation events of the smallest raw size (op, time delta, size, pointer: one byte each)
    /// that fit a 64 KiB per-thread buffer: the most one lost buffer can hold.
    static let bufferCapacity = 64 * 1024 / 4

    static func record(_ mode: String, _ count: Int, in dir: URL) throws -> (CLI.Result, [TraceRecord], TraceHeader, String) {
        let program = try RecordTests.compile("crash", in: dir)
        let trace = dir.appendingPathComponent("\(mode).mrt").path
        let result = try CLI.run(["record", "-o", trace, "--", program, mode, String(count)])
        let (header, events, _) = try RecordTests.records(trace)
        return (result, events, header, trace)
    }

    static func mallocs(_ events: [TraceRecord]) -> Int {
        events.filter { if case .alloc(let a) = $0.event { a.op == .malloc && a.size == 32 } else { false } }.count
    }

    static func exitStatus(_ events: [TraceRecord]) -> Int32? {
        events.compactMap { if case .process(let p) = $0.event, p.op == .exit { p.status } else { nil } }.last
    }

    @Test(.enabled(if: RecordTests.hasCC), arguments: [("segv", Int32(11)), ("abort", Int32(6))])
    func fatalSignalFlushesEverythingAndKeepsTheStatus(mode: String, signal: Int32) throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (result, events, header, trace) = try Self.record(mode, 5000, in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("did not finish"), "the stream was ended by the signal handler")
        #expect(Self.mallocs(events) == 5000)
        #expect(Self.exitStatus(events) == -signal)
        #expect(header.attributes["recorder.exit_status"] == String(-signal))
        let replay = try CLI.run(["replay", trace, "-o", dir.appendingPathComponent("r.db").path])
        #expect(replay.status == 0, "\(replay.stderr)")
    }

    @Test(.enabled(if: RecordTests.hasCC))
    func sigkillLosesAtMostOneBuffer() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 200_000
        let (result, events, header, trace) = try Self.record("kill", n, in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("did not finish"))
        let got = Self.mallocs(events)
        #expect(got <= n)
        #expect(got >= n - Self.bufferCapacity, "recorded \(got) of \(n) mallocs")
        #expect(got < n, "SIGKILL leaves no chance to flush the last buffer")
        #expect(Self.exitStatus(events) == -9)
        #expect(header.attributes["recorder.exit_status"] == "-9")
        let replay = try CLI.run(["replay", trace, "-o", dir.appendingPathComponent("r.db").path])
        #expect(replay.status == 0, "\(replay.stderr)")
    }
}
