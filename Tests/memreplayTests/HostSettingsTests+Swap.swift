#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

/// Swap against the real kernel: Tests/Fixtures/swap/toucher.c writes 256 MiB in a 128 MiB memory
/// cgroup (v1 `memory.limit_in_bytes`, through `withCgroup`) with a 512 MiB swap file:
/// neither the kernel nor the model (replaying a recording made without the limit, with
/// `--set memcg.max=128M --set swap=512M`) kills it, and the model's pswpout is within 10% of
/// the kernel's delta (or between the forced minimum and a kernel that over-reclaimed). Swap file and cgroup are removed afterwards, also on failure.
extension HostSettingsTests {
    /// Root, the v1 memory controller (`withCgroup`), perf, swapon, fallocate, cc, and no swap in
    /// use already.
    static let canSwap: Bool = {
        canUseMemcg && ["/usr/sbin/swapon", "/sbin/swapon"].contains { FileManager.default.isExecutableFile(atPath: $0) }
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") && FileManager.default.isExecutableFile(atPath: "/usr/bin/fallocate")
    }()

    static func sh(_ command: String) throws -> (status: Int32, out: String) {
        let r = try Subprocess.shell(command, timeout: 300)
        return (r.status, r.stdout)
    }

    static func vmstat(_ name: String) throws -> Int64 {
        let text = try String(contentsOfFile: "/proc/vmstat", encoding: .utf8)
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int64(line.split(separator: " ")[1]) ?? 0
        }
        return 0
    }

    @Test(.enabled(if: canSwap, "needs root, the v1 memory cgroup controller, perf, swapon, fallocate, cc, and no swap active"))
    func toucherTwiceItsCgroupSwapsAsMuchInTheModelAsInTheKernel() throws {
        try HostSettingsTests.swapDifferential(shared: false)
    }

    /// The same with a shared anonymous mapping: shmem pages go to swap through
    /// `shmem_writepage` in both.
    @Test(.enabled(if: canSwap, "needs root, the v1 memory cgroup controller, perf, swapon, fallocate, cc, and no swap active"))
    func sharedAnonymousToucherSwapsAsMuchInTheModelAsInTheKernel() throws {
        try HostSettingsTests.swapDifferential(shared: true)
    }

    static func swapDifferential(shared: Bool) throws {
        let args = ["256", "1"] + (shared ? ["shared"] : [])
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = dir.appendingPathComponent("toucher").path
        let cc = try HostSettingsTests.sh("/usr/bin/cc -O2 -o \(exe) \(CLI.packageRoot.appendingPathComponent("Tests/Fixtures/swap/toucher.c").path)")
        try #require(cc.status == 0, "\(cc.out)")
        let swapfile = dir.appendingPathComponent("swapfile").path
        defer { _ = try? HostSettingsTests.sh("swapoff \(swapfile) 2>/dev/null") }
        let setup = try HostSettingsTests.sh("fallocate -l 512M \(swapfile) && chmod 600 \(swapfile) && mkswap \(swapfile) >/dev/null && swapon \(swapfile)")
        try #require(setup.status == 0, "setting up swap: \(setup.out)")
        let out0 = try HostSettingsTests.vmstat("pswpout")
        let run = try HostSettingsTests.withCgroup(limit: 128 << 20, swappiness: 60) { try HostSettingsTests.runIn($0, exe, args) }
        let kernelOut = try HostSettingsTests.vmstat("pswpout") - out0
        #expect(run.status == 0 && !run.signaled, "the kernel killed it: \(run.stdout)")
        _ = try HostSettingsTests.sh("swapoff \(swapfile)")
        #expect(kernelOut > 20_000, "the kernel swapped out \(kernelOut) pages")

        // Recorded without the limit, replayed with it and the same swap.
        let trace = dir.appendingPathComponent("toucher.mrt").path
        let rec = try CLI.run(["record", "-q", "-o", trace, "--", exe] + args)
        try #require(rec.status == 0, "\(rec.stderr)")
        let db = dir.appendingPathComponent("toucher.db").path
        let r = try CLI.run(["replay", trace, "-o", db, "-q", "--machine", "host", "--set", "memcg.max=128M", "--set", "swap=512M"])
        try #require(r.status == 0, "\(r.stderr)")
        let kills = try HostSettingsTests.query(db, "SELECT count(*) FROM oom_kills")
        #expect(kills == "0", "the model killed it")
        let modelOut = try #require(Double(try HostSettingsTests.query(db, "SELECT value FROM metrics WHERE name = 'vmstat.pswpout'")))
        let ratio = modelOut / Double(kernelOut)
        // What the limit forces out at least: the mapping less the limit. The kernel's count over
        // that varies with the machine (over-reclaim while a slow swap device writes: 33,154 pages
        // on one VM, 40,899 on another with the same program); the model must come within 10% of
        // the kernel's, or, where the kernel over-reclaimed, lie between that floor and the kernel.
        let floor = Double((256 - 128) << 8)
        let close = abs(ratio - 1) <= 0.10 || (modelOut >= 0.95 * floor && modelOut <= Double(kernelOut))
        #expect(close, "pswpout: model \(Int(modelOut)), kernel \(kernelOut) (ratio \(ratio)), floor \(Int(floor))")
        print("swap differential (\(shared ? "shared" : "private")): kernel pswpout \(kernelOut), model \(Int(modelOut)), ratio \(ratio)")
    }
}
