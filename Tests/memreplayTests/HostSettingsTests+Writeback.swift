#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import MemTrace
import MemModel

/// Dirty throttling against this host's kernel: with vm.dirty_bytes 32 MiB and
/// vm.dirty_background_bytes 16 MiB (restored after), Tests/Fixtures/writeback/dirtywriter.c
/// writes 256 MiB in 1 MiB write() calls and samples /proc/meminfo's Dirty and Writeback after
/// each; the model replays the same writes on a machine with the same byte thresholds. Both
/// keep Dirty at or below the threshold, and their peaks agree within a quarter of it.
extension HostSettingsTests {
    static let writebackSysctls = ["dirty_ratio", "dirty_bytes", "dirty_background_ratio", "dirty_background_bytes"]

    static let canChangeDirtySysctls: Bool = {
        getuid() == 0 && access(vm + "dirty_bytes", W_OK) == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")
    }()

    /// Runs `body` with the dirty sysctls `values` written, then restores all four: of each
    /// ratio/bytes pair one is non-zero, and writing it back zeroes the other, as before.
    static func withDirtySysctls<T>(_ values: [(String, Int64)], _ body: () throws -> T) throws -> T {
        let saved = try writebackSysctls.map { ($0, try sysctl($0)) }
        defer {
            for (name, value) in saved where value != 0 { try? write(name, value) }
        }
        for (name, value) in values { try write(name, value) }
        return try body()
    }

    @Test(.enabled(if: canChangeDirtySysctls, "needs root, a writable /proc/sys/vm/dirty_bytes and cc"))
    func dirtyPagesStayUnderTheByteThresholdInTheKernelAndInTheModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memreplay-dirty-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = dir.appendingPathComponent("dirtywriter").path
        let cc = try Subprocess.run("/usr/bin/cc", ["-O1", "-o", exe, CLI.packageRoot.appendingPathComponent("Tests/Fixtures/writeback/dirtywriter.c").path])
        try #require(cc.status == 0, "\(cc)")
        let thresh: Int64 = 32 << 20, background: Int64 = 16 << 20, mib = 256
        // The file goes on the disk beside the package (not a tmpfs /tmp).
        let target = CLI.packageRoot.appendingPathComponent(".dirtywriter-\(getpid())").path
        let output: String = try HostSettingsTests.withDirtySysctls([("dirty_bytes", thresh), ("dirty_background_bytes", background)]) {
            let r = try Subprocess.run(exe, [target, String(mib)], timeout: 300)
            try #require(r.status == 0, "\(r)")
            return r.stdout
        }
        try? FileManager.default.removeItem(atPath: target)
        func value(_ key: String) throws -> Int64 {
            let line = try #require(output.split(separator: "\n").first { $0.hasPrefix(key + " ") }, "dirtywriter printed: \(output)")
            return try #require(Int64(line.split(separator: " ")[1]))
        }
        let kernelDirty = try value("peak_dirty_kb"), kernelSum = try value("peak_dirty_writeback_kb")

        // The model: the same writes, on a 1 GiB machine with the same byte thresholds.
        var machine = MachineConfiguration(name: "dirty", memoryBytes: 1 << 30, kernelReservedBytes: 16 << 20)
        var vmc = machine.vm
        _ = try vmc.set("vm.dirty_bytes", String(thresh))
        _ = try vmc.set("vm.dirty_background_bytes", String(background))
        machine.virtualMemory = vmc
        var k = LinuxKernel(configuration: machine)
        let pid = ProcessID(1)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(1), image: "dirtywriter")
        _ = k.file(FileCall(op: .open, file: FileID(3), size: 0), pid: pid, path: "/data/dirty")
        var modelDirty: UInt64 = 0, modelSum: UInt64 = 0, stalled: UInt64 = 0
        for i in 0..<UInt64(mib) {
            _ = k.file(FileCall(op: .write, file: FileID(3), offset: i << 20, length: 1 << 20, result: 1 << 20), pid: pid, path: "/data/dirty")
            stalled += k.takeStall().dirtyThrottle
            modelDirty = max(modelDirty, k.cache.dirtyPages * 4)
            modelSum = max(modelSum, (k.cache.dirtyPages + k.cache.writebackPages) * 4)
        }
        let threshKB = thresh >> 10
        #expect(kernelDirty <= threshKB, "kernel peak Dirty \(kernelDirty) kB over the \(threshKB) kB threshold")
        #expect(Int64(modelDirty) <= threshKB, "model peak Dirty \(modelDirty) kB over the \(threshKB) kB threshold")
        #expect(abs(Int64(modelDirty) - kernelDirty) <= threshKB / 4, "model peak Dirty \(modelDirty) kB, kernel \(kernelDirty) kB")
        #expect(stalled > 0)
        print("dirty differential: vm.dirty_bytes \(threshKB) kB, background \(background >> 10) kB, \(mib) MiB written; "
              + "kernel peak Dirty \(kernelDirty) kB, Dirty+Writeback \(kernelSum) kB; "
              + "model peak Dirty \(modelDirty) kB, Dirty+Writeback \(modelSum) kB, throttled \(stalled / 1_000_000) ms")
    }
}
