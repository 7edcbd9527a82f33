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
