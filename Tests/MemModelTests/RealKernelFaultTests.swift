import Foundation
import TestSupport
import Testing
import MemTrace
@testable import MemModel

/// The kernel model against the real kernel: Tests/Fixtures/vm/faults.c is compiled and run, and
/// its getrusage minor-fault deltas are compared with the faults the model takes for the same
/// operations.
@Suite(.enabled(if: AllocatorFixtures.tool("cc") != nil || AllocatorFixtures.tool("gcc") != nil))
struct RealKernelFaultTests {
    static let source = AllocatorFixtures.directory.deletingLastPathComponent().appendingPathComponent("vm/faults.c").path

    /// Builds the program once into a temporary directory and runs it with `arguments`; returns
    /// (pages, minflt).
    static func runReal(_ arguments: [String]) throws -> (pages: Int, minflt: Int, address: UInt64, thp: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memreplay-vm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = dir.appendingPathComponent("faults").path
        let cc = AllocatorFixtures.tool("cc") ?? AllocatorFixtures.tool("gcc")!
        try run(cc, ["-O1", "-o", exe, source])
        let out = try run(exe, arguments.map { $0.replacingOccurrences(of: "$DIR", with: dir.path) })
        let words = out.split(separator: " ").map(String.init)
        guard words.count >= 4, words[0] == "pages", words[2] == "minflt", let p = Int(words[1]),
              let m = Int(words[3].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ProgramFailure(description: "faults printed '\(out)'; expected 'pages N minflt M'")
        }
        let address = words.count >= 6 && words[4] == "addr" ? UInt64(words[5]) ?? 0 : 0
        let thp = words.count >= 8 && words[6] == "thp" ? Int(words[7].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 : 0
        return (p, m, address, thp)
    }

    struct ProgramFailure: Error, CustomStringConvertible { var description: String }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let r = try Subprocess.run(tool, arguments, timeout: 300)
        guard r.status == 0 else { throw ProgramFailure(description: "\(tool) \(arguments) exited \(r.status): \(r.stderr)") }
        return r.stdout
    }

    /// A 1 GiB machine with THP as on Debian 12 (madvise), one process.
    static func kernel() -> LinuxKernel {
        var k = LinuxKernel(configuration: MachineConfiguration(name: "test", memoryBytes: 1 << 30, kernelReservedBytes: 16 << 20))
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/faults")
        return k
    }

    @Test func anonymousTouchOf64MiBFaultsLikeTheRealKernel() throws {
        let real = try Self.runReal(["anon", "64"])
        var k = Self.kernel()
        let a = k.mapAnon(64 << 20)
        _ = k.memory(MemoryCall(op: .madvise, address: VirtualAddress(a), length: 64 << 20, flags: Advice.noHugePage.rawValue),
                     pid: pid, name: "")
        let before = k.stats.pgfault
        for off in stride(from: UInt64(0), to: 64 << 20, by: 4096) { _ = k.store(a + off) }
        let model = Int(k.stats.pgfault - before)
        #expect(model == real.pages)
        #expect(abs(model - real.minflt) <= real.minflt / 100, "model \(model) faults, real kernel \(real.minflt)")
    }

    @Test func sequentialReadOfACachedFileMappingFaultsOncePerFaultAroundWindow() throws {
        let real = try Self.runReal(["file", "$DIR/data.bin", "4096"])
        var k = Self.kernel()
        let size: UInt64 = 4 << 20
        k.openFile(1, size: 0, path: "/tmp/data.bin")
        for off in stride(from: UInt64(0), to: size, by: 4096) {
            _ = k.file(FileCall(op: .write, file: FileID(1), offset: off, length: 4096, result: 4096), pid: pid, path: "")
        }
        // At the real mapping's address: fault-around windows are aligned in virtual addresses.
        let a = k.mapFile(1, size, shared: true, prot: [.read], at: real.address)
        let before = k.stats.pgfault
        for off in stride(from: UInt64(0), to: size, by: 4096) { _ = k.load(a + off) }
        let model = Int(k.stats.pgfault - before)
        let expected = (real.address + size + 0xFFFF) / 0x10000 - real.address / 0x10000   // 64 KiB windows touched
        #expect(model == Int(expected))
        #expect(abs(model - real.minflt) <= max(1, real.minflt / 100), "model \(model) faults, real kernel \(real.minflt)")
    }

    /// 64 MiB with MADV_HUGEPAGE under THP madvise: the kernel takes one fault per 2 MiB page it
    /// gets (and 512 per range where it falls back); the model, mapping at the same address,
    /// takes one per 2 MiB range it can map huge.
    @Test func madvisedTouchOf64MiBFaultsOncePerHugePage() throws {
        let real = try Self.runReal(["thp", "64"])
        var k = Self.kernel()
        let size: UInt64 = 64 << 20
        let a = k.mapAnon(size, at: real.address)
        _ = k.memory(MemoryCall(op: .madvise, address: VirtualAddress(a), length: size, flags: Advice.hugePage.rawValue),
                     pid: pid, name: "")
        let before = k.stats.pgfault
        for off in stride(from: UInt64(0), to: size, by: 4096) { _ = k.store(a + off) }
        let model = Int(k.stats.pgfault - before)
        // Huge ranges: the aligned 2 MiB ranges inside the mapping; the rest is 4 KiB pages.
        let firstHuge = (a + (2 << 20) - 1) & ~((2 << 20) - 1), lastHuge = (a + size) & ~((2 << 20) - 1)
        let huge = Int((lastHuge - firstHuge) >> 21), small = Int(size >> 12) - huge * 512
        #expect(model == huge + small)
        #expect(Int(k.stats.thpFaultAlloc) == huge)
        // The host may lack free 2 MiB blocks (a fallback costs 512 faults instead of one), and
        // other processes' THP faults land in the same vmstat counter: compare when every huge
        // range got its page.
        if real.minflt == huge + small {
            #expect(model == real.minflt)
        } else {
            #expect(real.minflt > huge + small, "kernel \(real.minflt) faults, fewer than the model's \(model)")
        }
    }
}
