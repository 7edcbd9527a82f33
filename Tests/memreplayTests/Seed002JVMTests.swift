import Foundation
import Testing

/// Seed 002's JVM story at a small size, end to end through the CLI (`synth jvm`, `replay`,
/// `query`, `proc dmesg`, `proc pressure/memory`): a JVM whose `-Xmx` is near 90% of a 256 MiB
/// machine (MemTotal 240 MiB) survives without swap but leaves no memory available and makes
/// kswapd reclaim; a heap past RAM without swap gets the JVM OOM-killed; with swap the same heap
/// swaps out and the machine sees memory pressure.
@Suite struct Seed002JVMTests {
    /// `tiny-256m`'s MemTotal: 256 MiB installed − 16 MiB kept by the kernel, in kB.
    static let memTotalKB = 245_760.0

    /// Synthesizes the JVM with `-Xmx xmx` sized for the 256 MiB machine: 150 MiB of long-lived
    /// data, 2 threads allocating 100 MB/s for one second of virtual time.
    static func synth(_ xmx: String, _ path: String) throws {
        let r = try CLI.run(["synth", "jvm", "--ram", "256M", "--cpus", "2", "--threads", "2", "--alloc-rate", "100",
                             "--duration", "1", "--live", "150M", "--classes", "200", "--jit-code", "1M",
                             "--xmx", xmx, "-o", path])
        try #require(r.status == 0, "\(r.stderr)")
    }

    /// Replays `trace` on `tiny-256m` with `settings` into `db`.
    static func replay(_ trace: String, _ db: String, _ settings: [String] = []) throws {
        let r = try CLI.run(["replay", trace, "-o", db, "-q", "--machine", "tiny-256m"] + settings.flatMap { ["--set", $0] })
        try #require(r.status == 0, "\(r.stderr)")
    }

    static func counterMax(_ db: String, _ name: String) throws -> Double {
        try CLI.value(db, "SELECT coalesce(max(value), 0) FROM v_counters WHERE counter = '\(name)'")
    }

    static func javaPid(_ db: String) throws -> Int {
        Int(try CLI.value(db, "SELECT pid FROM processes WHERE image LIKE '%/java'"))
    }

    @Test func ninetyPercentSurvivesAHeapPastRAMIsKilledOrSwaps() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        try Seed002JVMTests.synth("208M", path("fit.mrt"))      // -Xmx 87% of MemTotal
        try Seed002JVMTests.synth("320M", path("big.mrt"))      // -Xmx 133% of MemTotal

        // Near 90%, no swap: nothing killed, the JVM exits normally, but MemAvailable falls to
        // almost nothing and kswapd reclaims (the JVM's file pages: without swap anon stays).
        let fit = path("fit.db")
        try Seed002JVMTests.replay(path("fit.mrt"), fit)
        let pid = try Seed002JVMTests.javaPid(fit)
        #expect(try CLI.value(fit, "SELECT count(*) FROM oom_kills") == 0)
        #expect(try CLI.value(fit, "SELECT exit_status FROM processes WHERE pid = \(pid)") == 0)
        let peakRSS = try CLI.value(fit, "SELECT max(rss_kb) FROM v_rss WHERE pid = \(pid)")
        #expect(peakRSS > 0.85 * Seed002JVMTests.memTotalKB, "peak RSS \(peakRSS) kB")
        let minAvailable = try CLI.value(fit, "SELECT min(value) FROM v_counters WHERE counter = 'meminfo.MemAvailable'")
        #expect(minAvailable < 0.05 * Seed002JVMTests.memTotalKB, "MemAvailable min \(minAvailable) kB")
        let scanned = try Seed002JVMTests.counterMax(fit, "vmstat.pgscan_kswapd") + Seed002JVMTests.counterMax(fit, "vmstat.pgscan_direct")
        #expect(scanned > 0, "reclaim scanned nothing")
        #expect(try Seed002JVMTests.counterMax(fit, "vmstat.pswpout") == 0)

        // A heap past RAM, no swap: the OOM killer kills the JVM, and dmesg names it.
        let big = path("big.db")
        try Seed002JVMTests.replay(path("big.mrt"), big)
        let bigPid = try Seed002JVMTests.javaPid(big)
        #expect(try CLI.value(big, "SELECT count(*) FROM oom_kills WHERE victim = \(bigPid)") == 1)
        #expect(try CLI.value(big, "SELECT exit_status FROM processes WHERE pid = \(bigPid)") == -9)
        let dmesg = try CLI.run(["proc", "dmesg", big])
        try #require(dmesg.status == 0, "\(dmesg.stderr)")
        let killLine = dmesg.stdout.split(separator: "\n").first { $0.hasPrefix("Out of memory: Killed process") } ?? ""
        #expect(killLine.contains("(java)") && killLine.contains("oom_score_adj:0"), "\(dmesg.stdout)")

        // The same heap with 256 MiB of swap: no kill; anonymous pages go out and the machine
        // records memory pressure (PSI some).
        let swapped = path("swap.db")
        try Seed002JVMTests.replay(path("big.mrt"), swapped, ["swap=256M"])
        #expect(try CLI.value(swapped, "SELECT count(*) FROM oom_kills") == 0)
        #expect(try Seed002JVMTests.counterMax(swapped, "vmstat.pswpout") > 0)
        let pressure = try CLI.run(["proc", "pressure/memory", swapped])
        try #require(pressure.status == 0, "\(pressure.stderr)")
        let some = pressure.stdout.split(separator: "\n").first { $0.hasPrefix("some ") } ?? ""
        let total = some.split(separator: " ").first { $0.hasPrefix("total=") }.flatMap { Double($0.dropFirst(6)) } ?? 0
        #expect(total > 0, "\(pressure.stdout)")
    }
}
