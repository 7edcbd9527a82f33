#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

/// Differential tests that change this host's kernel settings (root only), one at a time, each
/// restoring what it changed when it ends, also when it fails: here overcommit (vm.overcommit_*),
/// later memory cgroups and swap.
///
/// Overcommit: Tests/Fixtures/vm/forkheap.c mallocs a heap sized between what strict accounting
/// lets one process map and what it lets it fork (65% of CommitLimit − Committed_AS, read just
/// before), writes to it and forks. Run for real under `vm.overcommit_memory=2` the fork fails with
/// ENOMEM while the malloc succeeds; under 1 both succeed. The same program recorded under the
/// default mode (so the recording has the fork) and replayed on `--machine host` with the host's
/// ratio and reserves: the model's fork fails with ENOMEM exactly when the kernel's did.
@Suite(.serialized)
struct HostSettingsTests {
    static let vm = "/proc/sys/vm/"

    /// Root, a writable vm.overcommit_memory, cc, and a host not already in strict mode (the
    /// recording needs its fork to succeed).
    static let canChangeOvercommit: Bool = {
        guard getuid() == 0, access(vm + "overcommit_memory", W_OK) == 0,
              FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") else { return false }
        return (try? sysctl("overcommit_memory")) != 2
    }()

    static func sysctl(_ name: String) throws -> Int64 {
        let text = try String(contentsOfFile: vm + name, encoding: .utf8)
        return try #require(Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)), "\(vm + name): \(text)")
    }

    static func write(_ name: String, _ value: Int64) throws {
        try String(value).write(toFile: vm + name, atomically: false, encoding: .utf8)
    }

    /// Runs `body` with the vm sysctls `values` written, then restores overcommit_memory,
    /// overcommit_ratio and overcommit_kbytes as they were (writing the ratio zeroes kbytes, so
    /// kbytes goes back last), whether `body` returns or throws.
    static func withOvercommit<T>(_ values: [(String, Int64)], _ body: () throws -> T) throws -> T {
        let names = ["overcommit_memory", "overcommit_ratio", "overcommit_kbytes"]
        let saved = try names.map { ($0, try sysctl($0)) }
        defer {
            for (name, value) in saved where (try? sysctl(name)) != value { try? write(name, value) }
        }
        for (name, value) in values { try write(name, value) }
        return try body()
    }

    /// /proc/meminfo, label → kB.
    static func meminfo() throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for line in try String(contentsOfFile: "/proc/meminfo", encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let v = Int64(parts[1]) { out[String(parts[0].dropLast())] = v }
        }
        return out
    }

    static func compileForkheap(in dir: URL) throws -> String {
        let exe = dir.appendingPathComponent("forkheap").path
        let cc = try Subprocess.run("/usr/bin/cc", ["-O1", "-o", exe, CLI.packageRoot.appendingPathComponent("Tests/Fixtures/vm/forkheap.c").path])
        try #require(cc.status == 0, "\(cc)")
        return exe
    }

    /// What forkheap printed: whether malloc succeeded, and the fork's errno (0: it succeeded).
    struct Outcome: Equatable { var malloced: Bool; var forkErrno: Int32 }

    static func outcome(_ stdout: String) throws -> Outcome {
        let lines = stdout.split(separator: "\n").map(String.init)
        let malloced = lines.contains { $0.hasPrefix("malloc ok ") }
        if lines.contains("fork ok") { return Outcome(malloced: malloced, forkErrno: 0) }
        let failed = try #require(lines.first { $0.hasPrefix("fork failed ") }, "forkheap printed: \(stdout)")
        return Outcome(malloced: malloced, forkErrno: try #require(Int32(failed.dropFirst("fork failed ".count))))
    }

    static func runForkheap(_ exe: String, _ arguments: [String]) throws -> Outcome {
        return try outcome(try Subprocess.run(exe, arguments, timeout: 300).stdout)
    }

    /// One CSV value of `sql` on run database `db`.
    static func query(_ db: String, _ sql: String) throws -> String { try CLI.firstRow(db, sql) }

    @Test(.enabled(if: canChangeOvercommit, "needs root, a writable /proc/sys/vm/overcommit_memory, cc, and a host not in mode 2"))
    func forkOfALargeHeapFailsUnderStrictOvercommitInTheKernelAndInTheModel() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = try HostSettingsTests.compileForkheap(in: dir)
        let ratio = try HostSettingsTests.sysctl("overcommit_ratio"), kbytes = try HostSettingsTests.sysctl("overcommit_kbytes")
        let admin = try HostSettingsTests.sysctl("admin_reserve_kbytes"), user = try HostSettingsTests.sysctl("user_reserve_kbytes")
        // Between what one mapping may take and what a fork doubling it may: 65% of the room left.
        let before = try HostSettingsTests.meminfo()
        let limitKB = try #require(before["CommitLimit"]), committedKB = try #require(before["Committed_AS"])
        let heapMiB = (limitKB - committedKB) * 65 / 100 / 1024
        try #require(heapMiB >= 64, "CommitLimit \(limitKB) kB, Committed_AS \(committedKB) kB: no room to test in")
        let arguments = [String(heapMiB), String(min(heapMiB, 512))]
        // The window in mode 2 is the fixture's run alone: set, run, restore.
        let windowStart = Date()
        let strict = try HostSettingsTests.withOvercommit([("overcommit_memory", 2)]) { try HostSettingsTests.runForkheap(exe, arguments) }
        let window = Date().timeIntervalSince(windowStart)
        let always = try HostSettingsTests.withOvercommit([("overcommit_memory", 1)]) { try HostSettingsTests.runForkheap(exe, arguments) }
        #expect(strict == HostSettingsTests.Outcome(malloced: true, forkErrno: ENOMEM), "kernel, mode 2")
        #expect(always == HostSettingsTests.Outcome(malloced: true, forkErrno: 0), "kernel, mode 1")

        // Recorded under the host's own mode, where the fork succeeds.
        let trace = dir.appendingPathComponent("forkheap.mrt").path
        let rec = try CLI.run(["record", "-q", "-o", trace, "--", exe] + arguments)
        try #require(rec.status == 0, "\(rec.stderr)")
        #expect(try HostSettingsTests.outcome(rec.stdout) == HostSettingsTests.Outcome(malloced: true, forkErrno: 0))

        var settings = ["--set", "vm.overcommit_ratio=\(ratio)", "--set", "vm.admin_reserve_kbytes=\(admin)",
                        "--set", "vm.user_reserve_kbytes=\(user)"]
        if kbytes != 0 { settings += ["--set", "vm.overcommit_kbytes=\(kbytes)"] }
        func replay(mode: Int) throws -> (fork: Int32, mmap: Int32, db: String) {
            let db = dir.appendingPathComponent("mode\(mode).db").path
            let r = try CLI.run(["replay", trace, "-o", db, "--machine", "host", "--set", "vm.overcommit_memory=\(mode)"] + settings)
            try #require(r.status == 0, "\(r.stderr)")
            let fork = try HostSettingsTests.query(db, "SELECT errno FROM process_events pe JOIN process_ops o ON o.id = pe.op WHERE o.name = 'fork'")
            // The heap's mmap: the largest private mapping the program asked for.
            let mmap = try HostSettingsTests.query(db, "SELECT errno FROM v_memory_calls WHERE op = 'mmap' ORDER BY length DESC LIMIT 1")
            return (try #require(Int32(fork)), try #require(Int32(mmap)), db)
        }
        let model2 = try replay(mode: 2), model1 = try replay(mode: 1)
        #expect(model2.mmap == 0 && model1.mmap == 0, "the model's malloc succeeds in both modes, as the kernel's did")
        #expect(model2.fork == strict.forkErrno, "model, mode 2: fork errno \(model2.fork), kernel \(strict.forkErrno)")
        #expect(model1.fork == always.forkErrno, "model, mode 1: fork errno \(model1.fork), kernel \(always.forkErrno)")
        #expect(Double(try HostSettingsTests.query(model2.db, "SELECT value FROM metrics WHERE name = 'commit.refusals'")) == 1)

        // The model's CommitLimit is its MemTotal × the host's ratio (its MemTotal is the managed
        // pages of the host's /proc/zoneinfo, which on a ballooned VM can be less than the host's
        // MemTotal); its Committed_AS before the fork is the program's own.
        let forkSeq = try HostSettingsTests.query(model2.db, "SELECT pe.seq FROM process_events pe JOIN process_ops o ON o.id = pe.op WHERE o.name = 'fork'")
        let view = try CLI.run(["proc", "meminfo", model2.db, "--at", String(try #require(Int(forkSeq)) - 1)])
        try #require(view.status == 0, "\(view.stderr)")
        func field(_ name: String) -> Int64? {
            view.stdout.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { Int64($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
        }
        let modelLimit = try #require(field("CommitLimit")), modelCommitted = try #require(field("Committed_AS"))
        let modelTotal = try #require(field("MemTotal"))
        #expect(abs(modelLimit - (kbytes != 0 ? kbytes : modelTotal * ratio / 100)) <= 4, "model CommitLimit \(modelLimit) kB")
        #expect(modelCommitted >= Int64(heapMiB) * 1024 && modelCommitted < modelLimit)
        print("overcommit differential: host CommitLimit \(limitKB) kB, Committed_AS \(committedKB) kB before; heap \(heapMiB) MiB; "
              + "kernel mode 2 (\(String(format: "%.2f", window)) s in mode 2): malloc \(strict.malloced ? "ok" : "failed"), "
              + "fork errno \(strict.forkErrno); mode 1: fork errno \(always.forkErrno); "
              + "model MemTotal \(modelTotal) kB (host \(before["MemTotal"] ?? 0) kB), CommitLimit \(modelLimit) kB, "
              + "Committed_AS before the fork \(modelCommitted) kB; "
              + "model mode 2: fork errno \(model2.fork), mode 1: fork errno \(model1.fork)")
    }
}
