import Foundation
import TestSupport
import Testing

/// `memreplay proc oom_score`: a recorded program's /proc/self/oom_score, as the kernel printed it
/// after the program wrote its memory, against the model's at the same point of the replay.
@Suite struct OOMScoreCLITests {
    /// Builds Tests/Fixtures/oom/score.c (writes N MiB, prints its oom_score) into `dir`.
    static func compileScore(in dir: URL) throws -> String {
        let exe = dir.appendingPathComponent("score").path
        let build = try Subprocess.run(ProcViewsCLITests.cc!, ["-O1", "-o", exe, CLI.packageRoot.appendingPathComponent("Tests/Fixtures/oom/score.c").path])
        try #require(build.status == 0, "\(build)")
        return exe
    }

    @Test(.enabled(if: ProcViewsCLITests.cc != nil && RecordFaultsTests.perfAllowed))
    func oomScoreOfARecordedProgramMatchesTheKernel() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = try OOMScoreCLITests.compileScore(in: dir)
        // A sixteenth of the machine's memory (at most 1 GiB), so the score stands above an idle task's 666.
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let totalKB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        let mib = max(64, min(totalKB / 1024 / 16, 1024))
        let trace = dir.appendingPathComponent("score.mrt").path, db = dir.appendingPathComponent("score.db").path
        let rec = try CLI.run(["record", "--quiet", "-o", trace, "--", exe, String(mib)])
        try #require(rec.status == 0, "\(rec.stderr)")
        let line = try #require(rec.stdout.split(separator: "\n").first { $0.hasPrefix("oom_score ") })
        let real = try #require(Int(line.split(separator: " ")[1]))
        let replay = try CLI.run(["replay", trace, "-o", db, "-q", "--machine", "host"])
        try #require(replay.status == 0, "\(replay.stderr)")
        let pid = try ProcViewsCLITests.scalar(db, "SELECT pid FROM events ORDER BY seq LIMIT 1")
        // The program's last write to its mapping: the point where it read its score.
        let at = try ProcViewsCLITests.scalar(db, """
            SELECT MAX(a.seq) FROM accesses a JOIN events e USING(seq) JOIN vmas v ON v.id = a.vma
            WHERE e.pid = \(pid) AND v."end" - v.start >= \(mib << 20)
            """)
        let model = try CLI.run(["proc", "oom_score", db, "--at", at, "--pid", pid])
        try #require(model.status == 0, "\(model.stderr)")
        let modelled = try #require(Int(model.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(real > 666)
        #expect(abs(modelled - real) <= 1, "model \(modelled) vs kernel \(real)")
        let adj = try CLI.run(["proc", "oom_score_adj", db, "--at", at, "--pid", pid])
        #expect(adj.stdout == "0\n")
    }
}
