import Foundation
import Testing

/// A recorded 64 MiB toucher replayed on a 48 MiB machine: the OOM killer kills it, the run
/// database holds the kill and its candidates, and `memreplay proc dmesg` prints the kernel's lines.
@Suite struct OOMReplayCLITests {
    @Test(.enabled(if: ProcViewsCLITests.cc != nil && RecordFaultsTests.perfAllowed))
    func aRecordedProgramTooBigForTheMachineIsOOMKilled() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = try OOMScoreCLITests.compileScore(in: dir)
        let trace = dir.appendingPathComponent("big.mrt").path, db = dir.appendingPathComponent("big.db").path
        let rec = try CLI.run(["record", "--quiet", "-o", trace, "--", exe, "64"])
        try #require(rec.status == 0, "\(rec.stderr)")
        // Mode 0 would refuse the 64 MiB mmap outright (larger than RAM + swap); mode 1 lets it fault.
        let replay = try CLI.run(["replay", trace, "-o", db, "-q", "--machine", "tiny-256m", "--set", "memory=48M",
                                  "--set", "kernel_reserved=4M", "--set", "vm.overcommit_memory=1"])
        try #require(replay.status == 0, "\(replay.stderr)")
        let pid = try ProcViewsCLITests.scalar(db, "SELECT pid FROM events ORDER BY seq LIMIT 1")
        #expect(try ProcViewsCLITests.scalar(db, "SELECT COUNT(*) FROM oom_kills") == "1")
        #expect(try ProcViewsCLITests.scalar(db, "SELECT victim FROM oom_kills") == pid)
        #expect(try ProcViewsCLITests.scalar(db, "SELECT chosen FROM oom_candidates WHERE pid = \(pid)") == "1")
        // It had ~40 MiB of its 64 MiB when memory ran out.
        let anonKB = try #require(Int(try ProcViewsCLITests.scalar(db, "SELECT anon_rss_kb FROM oom_kills")))
        #expect((32_000...44_000).contains(anonKB), "anon-rss \(anonKB) kB")
        #expect(try ProcViewsCLITests.scalar(db, "SELECT exit_status FROM processes WHERE pid = \(pid)") == "-9")
        let dmesg = try CLI.run(["proc", "dmesg", db])
        try #require(dmesg.status == 0, "\(dmesg.stderr)")
        let lines = dmesg.stdout.split(separator: "\n")
        #expect(lines.first == "score invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0")
        #expect(lines.last?.hasPrefix("Out of memory: Killed process \(pid) (score) total-vm:") == true)
        #expect(lines.last?.contains("anon-rss:\(anonKB)kB") == true)
    }
}
