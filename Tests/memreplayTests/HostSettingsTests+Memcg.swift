#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

/// The memory-cgroup differentials of `HostSettingsTests` (the one suite that changes the host):
/// a program run for real in a 128 MiB cgroup of this host's cgroup v1 memory controller
/// (`memory.limit_in_bytes`, `memory.swappiness` 0, no swap), and the same program recorded
/// without the limit and replayed with `--set memcg.max=128M`. Each creates its own cgroup and
/// removes it afterwards, also when it fails; only the program's child process joins it.
extension HostSettingsTests {
    static let memcgRoot = "/sys/fs/cgroup/memory"

    /// Root, the v1 memory controller, cc, perf for fault recording, and no swap in use (the
    /// scenarios are the no-swap ones).
    static let canUseMemcg: Bool = {
        guard getuid() == 0, access(memcgRoot + "/cgroup.procs", W_OK) == 0, RecordFaultsTests.perfAllowed,
              let swaps = try? String(contentsOfFile: "/proc/swaps", encoding: .utf8) else { return false }
        return swaps.split(separator: "\n").count <= 1
    }()

    /// Runs `body` with a fresh cgroup of `limit` bytes (and `memory.swappiness`: 0, no swapping,
    /// unless a test sets up swap), then removes it.
    static func withCgroup<T>(limit: UInt64, swappiness: Int = 0, _ body: (String) throws -> T) throws -> T {
        let path = memcgRoot + "/memreplay-test-\(getpid())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { removeCgroup(path) }
        try String(limit).write(toFile: path + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)
        try String(swappiness).write(toFile: path + "/memory.swappiness", atomically: false, encoding: .utf8)
        return try body(path)
    }

    /// Removes a test cgroup: the kernel refuses (EBUSY) while a task is still in it — a child a
    /// timed-out wait left running, or one the OOM killer has not finished — so its tasks are
    /// killed and the rmdir retried for up to 10 s.
    static func removeCgroup(_ path: String) {
        for _ in 0..<100 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            let procs = (try? String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8)) ?? ""
            for pid in procs.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            usleep(100_000)
        }
        Issue.record("cgroup \(path) could not be removed: \(String(cString: strerror(errno)))")
    }

    /// Runs `exe arguments` as a child moved into `cgroup` before it execs; returns its pid, how it
    /// ended (exit status, or the signal when `signaled`) and its output.
    static func runIn(_ cgroup: String, _ exe: String, _ arguments: [String]) throws -> (pid: Int32, status: Int32, signaled: Bool, stdout: String) {
        let child = try Subprocess.start("/bin/sh", ["-c", "echo $$ > \(cgroup)/cgroup.procs && exec \"$0\" \"$@\"", exe] + arguments)
        let r = child.wait(timeout: 300)
        return (child.pid, r.signal ?? r.status, r.signaled, r.stdout)
    }

    static func compileMemcgFixture(_ name: String, in dir: URL) throws -> String {
        let exe = dir.appendingPathComponent(name).path
        let cc = try Subprocess.run("/usr/bin/cc", ["-O1", "-o", exe, CLI.packageRoot.appendingPathComponent("Tests/Fixtures/memcg/\(name).c").path])
        try #require(cc.status == 0, "\(cc)")
        return exe
    }

    /// anon-rss (kB) of the kernel's "Memory cgroup out of memory: Killed process PID" line.
    static func kernelKillAnonRSS(pid: Int32) throws -> Int? {
        let text = try Subprocess.run("/bin/dmesg").stdout
        guard let line = text.split(separator: "\n").last(where: { $0.contains("Memory cgroup out of memory: Killed process \(pid) ") }),
              let r = line.range(of: "anon-rss:") else { return nil }
        return Int(line[r.upperBound...].prefix { $0.isNumber })
    }

    @Test(.enabled(if: canUseMemcg, "needs root, cgroup v1 memory at /sys/fs/cgroup/memory, cc, perf and no swap"))
    func anonymousMemoryPastTheLimitIsKilledByTheKernelAndTheModel() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = try HostSettingsTests.compileMemcgFixture("touchanon", in: dir)
        let real = try HostSettingsTests.withCgroup(limit: 128 << 20) { try HostSettingsTests.runIn($0, exe, ["256"]) }
        #expect(real.signaled && real.status == SIGKILL, "kernel: status \(real.status)")
        let kernelAnon = try #require(try HostSettingsTests.kernelKillAnonRSS(pid: real.pid), "no kill line for \(real.pid) in dmesg")

        let trace = dir.appendingPathComponent("anon.mrt").path, db = dir.appendingPathComponent("anon.db").path
        let rec = try CLI.run(["record", "-q", "--accesses", "faults", "-o", trace, "--", exe, "256"])
        try #require(rec.status == 0, "\(rec.stderr)")
        let r = try CLI.run(["replay", trace, "-o", db, "-q", "--set", "memcg.max=128M"])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(try HostSettingsTests.query(db, "SELECT constraint_name FROM oom_kills") == "CONSTRAINT_MEMCG")
        let modelAnon = try #require(Int(try HostSettingsTests.query(db, "SELECT anon_rss_kb FROM oom_kills")))
        let diff = Double(abs(modelAnon - kernelAnon)) / Double(kernelAnon)
        #expect(diff <= 0.02, "anon-rss: model \(modelAnon) kB, kernel \(kernelAnon) kB")
        let dmesg = try CLI.run(["proc", "dmesg", db])
        #expect(dmesg.stdout.contains("Memory cgroup out of memory: Killed process"))
        print("memcg anon differential: kernel anon-rss \(kernelAnon) kB, model \(modelAnon) kB (\(String(format: "%.2f", diff * 100))%)")
    }

    @Test(.enabled(if: canUseMemcg, "needs root, cgroup v1 memory at /sys/fs/cgroup/memory, cc, perf and no swap"))
    func readingAFileEightTimesTheLimitKillsNobodyAndStaysUnderIt() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = try HostSettingsTests.compileMemcgFixture("readfile", in: dir)
        let file = dir.appendingPathComponent("big.bin")
        // 1 GiB of non-zero bytes, written in 1 MiB blocks.
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let h = try FileHandle(forWritingTo: file)
        let block = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        for _ in 0..<1024 { h.write(block) }
        try h.synchronize()
        // Out of the page cache, so the program in the cgroup reads (and is charged for) every page.
        #expect(posix_fadvise(h.fileDescriptor, 0, 0, Int32(POSIX_FADV_DONTNEED)) == 0)
        try h.close()
        let (real, peak) = try HostSettingsTests.withCgroup(limit: 128 << 20) { cg -> ((pid: Int32, status: Int32, signaled: Bool, stdout: String), UInt64) in
            let r = try HostSettingsTests.runIn(cg, exe, [file.path])
            let peak = UInt64((try String(contentsOfFile: cg + "/memory.max_usage_in_bytes", encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            return (r, peak)
        }
        #expect(!real.signaled && real.status == 0, "kernel: status \(real.status)")
        #expect(peak <= 128 << 20 && peak > 100 << 20, "kernel peak \(peak)")

        let trace = dir.appendingPathComponent("read.mrt").path, db = dir.appendingPathComponent("read.db").path
        let rec = try CLI.run(["record", "-q", "--accesses", "faults", "-o", trace, "--", exe, file.path])
        try #require(rec.status == 0, "\(rec.stderr)")
        let r = try CLI.run(["replay", trace, "-o", db, "-q", "--set", "memcg.max=128M", "--set", "snapshot_interval=16"])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(try HostSettingsTests.query(db, "SELECT COUNT(*) FROM oom_kills") == "0")
        let samples = try #require(Int(try HostSettingsTests.query(db, "SELECT COUNT(*) FROM v_counters WHERE counter = 'memcg.memreplay.current'")))
        let modelPeak = try #require(Int(try HostSettingsTests.query(db, "SELECT MAX(value) FROM v_counters WHERE counter = 'memcg.memreplay.current'")))
        #expect(samples > 100 && modelPeak <= 131_072, "\(samples) snapshots, highest memory.current \(modelPeak) kB")
        let usage = try CLI.run(["proc", "memory.max_usage_in_bytes", db])
        #expect(UInt64(usage.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 <= 128 << 20 && $0 > 100 << 20 } == true)
        print("memcg read differential: kernel peak \(peak) B, model \(samples) snapshots, highest memory.current \(modelPeak) kB")
    }
}
