import Foundation
import Testing
@testable import MemBenchKit

/// The queries benchmark's plan: every file of queries/ is timed, on a run that exists.
@Suite struct QueriesBenchmarkTests {
    static let queriesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("queries").path

    @Test func everyQueryFileIsListed() throws {
        let files = try QueriesBenchmark.queryFiles(in: Self.queriesDirectory)
        #expect(files.count >= 26)
        let listed = QueriesBenchmark.assignments.map(\.query)
        #expect(Set(listed).count == listed.count, "a query listed twice")
        #expect(files.filter { !listed.contains($0) } == [], "queries/ files missing from QueriesBenchmark.assignments")
        #expect(listed.filter { !files.contains($0) } == [], "assignments naming no file in queries/")
    }

    @Test func everyAssignedRunExists() {
        let runs = QueriesBenchmark().runs.map(\.name)
        #expect(Set(runs).count == runs.count)
        for a in QueriesBenchmark.assignments { #expect(runs.contains(a.run), "\(a.query): no run \(a.run)") }
        #expect(QueriesBenchmark.run(for: "hw-tlb-by-vma.sql") == "locality-hw")
        #expect(QueriesBenchmark.run(for: "nope.sql") == nil)
    }

    @Test func redisStoryScalesWithEvents() {
        var b = QueriesBenchmark()
        let full = b.runs.first { $0.name == "redis-oom" }!
        // Seed 002's m1-thpon-w story at 10^7 events: 125,000 keys, 150,000 commands, 2 GiB.
        #expect(full.synthesize.contains("125000") && full.synthesize.contains("150000"))
        #expect(full.replay.contains("memory=2048M") && full.replay.contains("kernel_reserved=38M"))
        b.events = 1_000_000
        let small = b.runs.first { $0.name == "redis-oom" }!
        #expect(small.synthesize.contains("12500") && small.synthesize.contains("15000"))
        #expect(small.replay.contains("memory=205M"))
        #expect(b.runs.first { $0.name == "locality-hw" }!.synthesize.contains("1000000"))
    }

    @Test func unassignedQueryFileIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qb-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "SELECT 1;".write(toFile: dir + "/event-mix.sql", atomically: true, encoding: .utf8)
        try "SELECT 2;".write(toFile: dir + "/brand-new.sql", atomically: true, encoding: .utf8)
        let error = #expect(throws: BenchFailure.self) {
            _ = try QueriesBenchmark().run(memreplay: "/bin/true", queries: dir, directory: dir + "/work")
        }
        #expect(error?.description.contains("brand-new.sql") == true)
        #expect(!FileManager.default.fileExists(atPath: dir + "/work"), "nothing prepared before the check")
    }

    @Test func timeCountsRowsAndKeepsTheBest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qb-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A stand-in for `memreplay query DB FILE --format csv`: a header and three rows.
        let fake = dir + "/fake-memreplay"
        try "#!/bin/sh\nprintf 'a,b\\n1,2\\n3,4\\n5,6\\n'\n".write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        var b = QueriesBenchmark()
        b.rounds = 2
        let t = try b.time(query: "q.sql", database: "x.db", memreplay: fake, scratch: dir + "/out.csv")
        #expect(t.rows == 3)
        #expect(t.seconds > 0 && t.seconds < 10)
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.csv"))
    }
}

/// `CommandTimer`: a child's status, output and figures.
@Suite struct CommandTimerTests {
    @Test func failingCommandThrowsWithItsStatus() {
        let error = #expect(throws: BenchFailure.self) { _ = try CommandTimer.run("/bin/sh", ["-c", "exit 3"]) }
        #expect(error?.description.contains("status 3") == true)
        let missing = #expect(throws: BenchFailure.self) { _ = try CommandTimer.run("/nonexistent/memreplay", []) }
        #expect(missing?.description.contains("cannot start /nonexistent/memreplay") == true)
    }

    @Test func measuresTheChildAndWritesItsOutput() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ct-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        // About 0.2 s of CPU in the child, and 64 MiB touched by dd's buffer.
        let m = try CommandTimer.run("/bin/sh", ["-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; "
            + "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo done"], stdout: out)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "done\n")
        #expect(m.cpu > 0.01 && m.wall >= m.cpu * 0.5)
        #expect(m.peakRSS > 32 << 20)
    }
}
