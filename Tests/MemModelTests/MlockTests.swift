import Foundation
import Testing
import MemTrace
@testable import MemModel

/// The unevictable LRU (mm/mlock.c): mlocked pages leave the evictable lists, reclaim and swap
/// never take them, munlock and munmap give them back; the counters against the real kernel's
/// (Tests/Fixtures/vm/mlock.c prints its unevictable_pgs_* deltas around the same steps).
@Suite struct MlockTests {
    static let length: UInt64 = 16 << 20
    static let pages = length >> 12

    static func lockedKernel(memory: UInt64 = 64 << 20, swap: String? = nil) -> LinuxKernel {
        var c = MachineConfiguration(name: "test", memoryBytes: memory, kernelReservedBytes: 1 << 20)
        try! c.set("rlimit.memlock", "unlimited")
        if let swap { try! c.set("swap", swap) }
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/test")
        return k
    }

    static func call(_ k: inout LinuxKernel, _ op: MemoryOp, _ a: UInt64, _ length: UInt64, p: ProcessID = pid) -> SyscallResult {
        k.memory(MemoryCall(op: op, address: VirtualAddress(a), length: length), pid: p, name: "")
    }

    /// The model's unevictable_pgs_{mlocked,munlocked,culled,rescued} and Mlocked pages.
    static func counters(_ k: LinuxKernel) -> [Int64] {
        let s = k.reclaim.stats
        return [Int64(s.unevictableMlocked), Int64(s.unevictableMunlocked), Int64(s.unevictableCulled), Int64(s.unevictableRescued),
                Int64(PageStateCounter.mlock.compute(PageScope(machine: k)))]
    }

    /// The fixture's four steps in the model: deltas per step, as the program prints them.
    static func modelSteps() -> [String: [Int64]] {
        var k = lockedKernel()
        let a = k.mapAnon(length), b = k.mapAnon(length)
        SwapTests.writeAll(&k, a, length)
        var out: [String: [Int64]] = [:]
        func step(_ name: String, _ body: (inout LinuxKernel) -> Void) {
            let before = counters(k)
            body(&k)
            out[name] = zip(counters(k), before).map { $0 - $1 }
            #expect(k.invariantViolations().isEmpty, "\(name): \(k.invariantViolations().prefix(5))")
        }
        step("mlock-faulted") { #expect(call(&$0, .mlock, a, length).result == 0) }
        step("munlock") { #expect(call(&$0, .munlock, a, length).result == 0) }
        step("mlock-populate") { #expect(call(&$0, .mlock, b, length).result == 0) }
        step("munmap-locked") { #expect(call(&$0, .munmap, b, length).result == 0) }
        return out
    }

    @Test func mlockMovesPagesToTheUnevictableListAndMunlockBringsThemBack() {
        let steps = Self.modelSteps()
        let n = Int64(Self.pages)
        #expect(steps["mlock-faulted"] == [n, 0, n, 0, n])
        #expect(steps["munlock"] == [0, n, 0, n, -n])
        #expect(steps["mlock-populate"] == [n, 0, n, 0, n])
        #expect(steps["munmap-locked"] == [0, n, 0, n, -n])
    }

    @Test func meminfoAndVmstatShowMlockedPages() {
        var k = Self.lockedKernel()
        let a = k.mapAnon(Self.length)
        #expect(Self.call(&k, .mlock, a, Self.length).result == 0)
        let meminfo = Dictionary(k.meminfoFields(), uniquingKeysWith: { a, _ in a })
        #expect(meminfo["Mlocked"] == 16384)
        #expect(meminfo["Unevictable"] == 16384)
        let vmstat = Dictionary(k.vmstatFields(), uniquingKeysWith: { a, _ in a })
        #expect(vmstat["unevictable_pgs_mlocked"] == Self.pages)
        #expect(vmstat["nr_mlock"] == Self.pages)
        #expect(k.frames.lruPages(0, .unevictable) == Self.pages)
        #expect(k.frames.lruPages(0, .inactiveAnon) + k.frames.lruPages(0, .activeAnon) == 0)
    }

    /// Pressure with swap: the locked region stays resident while the rest of memory swaps; the
    /// same program without the lock has its early pages swapped out.
    @Test(arguments: [true, false]) func reclaimNeverTakesLockedPages(locked: Bool) {
        var k = Self.lockedKernel(swap: "256M")
        let a = k.mapAnon(Self.length)
        SwapTests.writeAll(&k, a, Self.length)
        if locked { #expect(Self.call(&k, .mlock, a, Self.length).result == 0) }
        let big = k.mapAnon(96 << 20)
        SwapTests.writeAll(&k, big, 96 << 20)
        #expect(k.stats.oomKill == 0)
        #expect(k.swap.stats.pswpout > 8_000)
        let swappedInA = k.processes[pid]!.table.swapEntries(Page.number(of: a), Page.number(of: a + Self.length)).count
        if locked {
            #expect(swappedInA == 0)
            #expect(k.frames.lruPages(0, .unevictable) == Self.pages)
        } else {
            #expect(swappedInA > 1_000)
        }
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// fork does not copy VM_LOCKED (`dup_mmap`): the parent's pages stay locked while the child
    /// maps them too; the child's COW copies are evictable; the parent's exit munlocks every page
    /// (those only it mapped are rescued on their way to being freed, as the kernel's munmap
    /// counts them: Tests/Fixtures/vm/mlock.c's munmap step).
    @Test func forkedChildDoesNotInheritTheLock() {
        var k = Self.lockedKernel()
        let a = k.mapAnon(Self.length)
        #expect(Self.call(&k, .mlock, a, Self.length).result == 0)
        let child = ProcessID(101)
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.processes[child]!.space.hasLocked == false)
        #expect(k.frames.lruPages(0, .unevictable) == Self.pages)
        SwapTests.writeAll(&k, a, 4 << 20, p: child)            // 1024 COW copies in the child
        #expect(k.frames.lruPages(0, .unevictable) == Self.pages)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
        _ = k.process(ProcessEvent(op: .exit), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.frames.lruPages(0, .unevictable) == 0)
        #expect(k.reclaim.stats.unevictableRescued == Self.pages)
        #expect(k.reclaim.stats.unevictableMunlocked == Self.pages)
        #expect(k.frames.lruPages(0, .inactiveAnon) + k.frames.lruPages(0, .activeAnon) == Self.pages)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// A locked file mapping keeps its page-cache pages off the file lists, so reading a large
    /// file through the cache cannot evict them.
    @Test func lockedFilePagesSurviveCacheChurn() {
        var k = Self.lockedKernel()
        k.openFile(1, size: Self.length, path: "/data/locked")
        let m = k.mapFile(1, Self.length, shared: true, prot: [.read])
        #expect(Self.call(&k, .mlock, m, Self.length).result == 0)
        #expect(k.frames.lruPages(0, .unevictable) == Self.pages)
        k.openFile(2, size: 256 << 20, path: "/data/big")
        var off: UInt64 = 0
        while off < 256 << 20 {
            _ = k.file(FileCall(op: .read, file: FileID(2), offset: off, length: 1 << 20, result: 1 << 20), pid: pid, path: "")
            off += 1 << 20
        }
        #expect(k.frames.lruPages(0, .unevictable) == Self.pages)
        #expect(k.reclaim.stats.pgstealKswapd + k.reclaim.stats.pgstealDirect > 0)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// The real kernel's counters for the same steps (vmstat events are exact machine-wide sums;
    /// other processes and the per-CPU mlock batch of up to 15 folios move them a little, and
    /// meminfo's Mlocked lags by the per-CPU stat thresholds).
    @Test(.enabled(if: AllocatorFixtures.tool("cc") != nil && FileManager.default.isReadableFile(atPath: "/proc/vmstat")))
    func countersMatchTheRealKernel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memreplay-mlock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = dir.appendingPathComponent("mlock").path
        let source = RealKernelFaultTests.source.replacingOccurrences(of: "faults.c", with: "mlock.c")
        try RealKernelFaultTests.run(AllocatorFixtures.tool("cc")!, ["-O1", "-o", exe, source])
        let out: String
        do { out = try RealKernelFaultTests.run(exe, []) } catch {
            // mlock of 16 MiB needs RLIMIT_MEMLOCK or CAP_IPC_LOCK.
            print("MlockTests: the fixture could not mlock here (\(error)); skipped"); return
        }
        let model = Self.modelSteps()
        var lines = 0
        for line in out.split(separator: "\n") {
            let w = line.split(separator: " ").map(String.init)
            guard w.count == 12, w[0] == "step", let m = model[w[1]] else { Issue.record("unexpected line '\(line)'"); continue }
            lines += 1
            let real = [w[3], w[5], w[7], w[9]].compactMap { Int64($0) }
            for (i, name) in ["mlocked", "munlocked", "culled", "rescued"].enumerated() {
                #expect(abs(real[i] - m[i]) <= 32, "\(w[1]) \(name): kernel \(real[i]), model \(m[i])")
            }
            let kb = Int64(w[11]) ?? 0
            #expect(abs(kb - m[4] * 4) <= 1_024, "\(w[1]) Mlocked: kernel \(kb) kB, model \(m[4] * 4) kB")
        }
        #expect(lines == 4)
    }
}
