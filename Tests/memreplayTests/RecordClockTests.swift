import Foundation
import TestSupport
import MemTrace
import Testing

/// `memreplay record`'s fixed tick rate: the trace says which clock its times come from, a kept
/// directory merges again to the same events byte for byte (threads, a fork, an exec), and a rate
/// the end check rejects falls back to the line fitted after exit.
@Suite(.serialized)
struct RecordClockTests {
    static let hasCC = FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")

    /// The trace's bytes after its file header (magic, u16 version, u32 JSON length, JSON, CRC).
    static func body(_ path: String) throws -> [UInt8] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let magic = TraceFormat.magic.count
        let length = Int(bytes[magic + 2]) | Int(bytes[magic + 3]) << 8 | Int(bytes[magic + 4]) << 16 | Int(bytes[magic + 5]) << 24
        return Array(bytes[(magic + 6 + length + 4)...])
    }

    /// Records `args` keeping the raw directory, merges that directory again, and checks that both
    /// traces hold the same events (byte for byte) and the same initial process; returns the header.
    func recordAndMergeAgain(_ args: [String], accesses: String, environment: [String: String] = [:],
                             in dir: URL) throws -> (TraceHeader, [TraceRecord]) {
        let raw = dir.appendingPathComponent("raw-\(accesses)").path
        let first = dir.appendingPathComponent("first-\(accesses).mrt").path
        let again = dir.appendingPathComponent("again-\(accesses).mrt").path
        let r = try CLI.run(["record", "--convert", "now", "--accesses", accesses, "--keep-raw", raw, "-o", first, "--"] + args,
                            environment: environment)
        try #require(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: raw + "/clock"))
        // With --accesses none and a clock that agrees, the merge followed the program.
        if accesses == "none" && environment["MEMREPLAY_TICK_RATE"] == nil {
            #expect(r.stdout.contains("merged while it ran"), "\(r.stdout)")
        } else {
            #expect(!r.stdout.contains("merged while it ran"), "\(r.stdout)")
        }
        let m = try CLI.run(["record", "--accesses", accesses, "--merge-raw", raw, "-o", again, "--"] + args, environment: environment)
        try #require(m.status == 0, "\(m.stderr)")
        let (h1, e1, _) = try RecordTests.records(first)
        let (h2, _, _) = try RecordTests.records(again)
        #expect(try RecordClockTests.body(first) == RecordClockTests.body(again))
        #expect(h1.processes == h2.processes)
        for key in ["recorder.clock", "recorder.tick_rate_ns", "recorder.clock_end_error_ns"] {
            #expect(h1.attributes[key] == h2.attributes[key], "\(key)")
        }
        return (h1, e1)
    }

    @Test(.enabled(if: hasCC)) func keptDirectoryMergesToTheSameBytes() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordTests.compile("lifecycle", in: dir)
        let data = dir.appendingPathComponent("lc.dat").path
        for accesses in ["none", "faults"] {
            let (header, events) = try recordAndMergeAgain([program, "run", data], accesses: accesses, in: dir)
            #expect(header.attributes["recorder.clock"] == "fixed", "\(header.attributes)")
            // Two threads, the fork child and its exec'd image: all merged.
            #expect(Set(events.map(\.pid)).count == 2)
            #expect(Set(events.map(\.tid)).count >= 4)
        }
    }

    @Test func rejectedRateFallsBackToTheFittedLine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // `sh -c 'sleep 0.3'`: the trace spans the sleep (sh execs sleep, which exits after it).
        let command = ["/bin/sh", "-c", "/bin/sleep 0.3"]
        let (fixed, fixedEvents) = try recordAndMergeAgain(command, accesses: "none", in: dir)
        #expect(fixed.attributes["recorder.clock"] == "fixed")
        // A rate 1,000 times too small: the end check rejects it and the times stay right.
        let rate = try #require(fixed.attributes["recorder.tick_rate_ns"].flatMap(Double.init))
        let wrong = ["MEMREPLAY_TICK_RATE": String(rate / 1000)]
        try FileManager.default.removeItem(atPath: dir.appendingPathComponent("raw-none").path)
        let (fitted, fittedEvents) = try recordAndMergeAgain(command, accesses: "none", environment: wrong, in: dir)
        #expect(fitted.attributes["recorder.clock"] == "fitted")
        #expect(fitted.attributes["recorder.tick_rate_ns"] == String(rate / 1000))
        for events in [fixedEvents, fittedEvents] {
            let span = (events.map(\.time).max() ?? 0) - (events.map(\.time).min() ?? 0)
            #expect(span >= 290_000_000 && span < 2_000_000_000, "span \(span) ns")
        }
    }
}

/// Threads that end while the program goes on (`Tests/Fixtures/recorder/threadend.c`): the
/// interposer records nothing of a thread after its exit record (libc's teardown frees), so the
/// merge that follows the program never meets a record older than what it wrote (it gave up on
/// python3's threads before), and every thread's exit is its last event.
@Suite(.serialized)
struct RecordThreadEndTests {
    @Test(.enabled(if: RecordClockTests.hasCC)) func followedMergeKeepsUpWithEndedThreads() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordTests.compile("threadend", in: dir)
        for run in 0..<3 {
            let trace = dir.appendingPathComponent("t\(run).mrt").path
            let r = try CLI.run(["record", "--convert", "now", "--accesses", "none", "-o", trace, "--", program, "300000"])
            try #require(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("merged while it ran"), "\(r.stdout)")
            #expect(!r.stderr.contains("merging after the exit"), "\(r.stderr)")
            let (_, events, _) = try RecordTests.records(trace)
            let workers = Set(events.compactMap { r -> ThreadID? in
                if case .process(let p) = r.event, p.op == .threadStart { return p.thread } else { return nil }
            })
            #expect(workers.count == 8)
            for t in workers {
                let own = events.filter { $0.tid == t }
                // Its own 50 pairs and the key destructor's free, then its exit, nothing after.
                #expect(own.filter { if case .alloc(let a) = $0.event { a.op == .malloc && a.size == 64 } else { false } }.count == 50)
                #expect(own.filter { if case .alloc(let a) = $0.event { a.op == .free } else { false } }.count >= 51)
                let last = try #require(own.last)
                #expect({ if case .process(let p) = last.event { p.op == .threadExit } else { false } }(), "\(last)")
            }
        }
    }
}
