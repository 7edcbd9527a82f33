import Foundation
import Testing
import MemTrace
import MemReplay

/// `memreplay synth jvm`: determinism, option errors, each knob's direction, and the comparison
/// with a recording of a real `java -Xmx256m`.
@Suite struct JVMSynthTests {
    /// Small-run options: 256 MiB heap on a 24 GiB, 2-CPU machine like this one.
    static func small(_ change: (inout JVMOptions) -> Void = { _ in }) -> JVMOptions {
        var o = JVMOptions(ram: 24 << 30, cpus: 2)
        o.maxHeap = 256 << 20; o.threads = 4; o.allocationRate = 500; o.duration = 0.5
        o.liveSet = 1 << 20; o.survival = 1; o.classes = 100; o.jitCode = 1 << 20
        change(&o)
        return o
    }

    static func synth(_ o: JVMOptions, _ path: String) throws -> JVMSummary {
        let s = JVMSynthesizer(options: o)
        let w = try TraceWriter(path: path, header: s.header)
        let summary = try s.generate(to: w)
        try w.close()
        return summary
    }

    /// Replays `trace` and returns the run's metrics by name.
    static func replay(_ trace: String, _ db: String, _ extra: [String] = []) throws -> [String: Double] {
        let r = try CLI.run(["replay", trace, "-o", db] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let q = try CLI.run(["query", db, "SELECT name, value FROM metrics", "--format", "csv"])
        var m: [String: Double] = [:]
        for line in q.stdout.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            if f.count == 2, let v = Double(f[1]) { m[String(f[0])] = v }
        }
        return m
    }

    static func metric(_ m: [String: Double], _ suffix: String) -> Double {
        m.first { $0.key.hasPrefix("status.") && $0.key.hasSuffix(suffix) }?.value ?? -1
    }

    @Test func sameSeedSameBytesAndErgonomics() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.mrt").path, b = dir.appendingPathComponent("b.mrt").path
        let c = dir.appendingPathComponent("c.mrt").path
        let args = ["synth", "jvm", "--ram", "24G", "--cpus", "2", "--xmx", "256M", "--duration", "0.3", "--alloc-rate", "500", "--humongous", "5"]
        #expect(try CLI.run(args + ["--seed", "3", "-o", a]).status == 0)
        #expect(try CLI.run(args + ["--seed", "3", "-o", b]).status == 0)
        #expect(try CLI.run(args + ["--seed", "4", "-o", c]).status == 0)
        let da = try Data(contentsOf: URL(fileURLWithPath: a))
        #expect(da == (try Data(contentsOf: URL(fileURLWithPath: b))))
        #expect(da != (try Data(contentsOf: URL(fileURLWithPath: c))))
        // HotSpot's ergonomics for this machine's 24 GiB (PrintFlagsFinal on MemTotal 25,276,194,816 B).
        let e = JVMErgonomics(JVMOptions(ram: 25_276_194_816, cpus: 2))
        #expect(e.maxHeap == 6_320_816_128 && e.initialHeap == 398_458_880 && e.regionSize == 4 << 20)
        #expect(e.heapAddress == (32 << 30) - e.maxHeap)
        #expect(JVMErgonomics(JVMSynthTests.small()).heapAddress == 0xF000_0000)   // as maps showed: 0xf0000000
    }

    @Test func badOptionsExit2NamingTheOption() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.mrt").path
        for (args, name) in [(["--xmx", "12Q"], "--xmx"), (["--region-size", "3M"], "--region-size"),
                             (["--survival", "120"], "--survival"), (["--threads", "0"], "--threads"),
                             (["--xmx", "256M", "--xms", "1G"], "--xms"), (["--xmx", "256M", "--live", "300M"], "--live")] {
            let r = try CLI.run(["synth", "jvm", "--ram", "24G"] + args + ["-o", out])
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains(name), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test func knobsMoveTheOutcome() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        // Allocation rate → more young collections.
        let slow = try JVMSynthTests.synth(JVMSynthTests.small { $0.allocationRate = 200 }, path("slow.mrt"))
        let fast = try JVMSynthTests.synth(JVMSynthTests.small { $0.allocationRate = 1000 }, path("fast.mrt"))
        #expect(fast.youngCollections > slow.youngCollections, "\(slow.youngCollections) → \(fast.youngCollections)")
        // Threads → more threads, stacks and resident stack pages.
        let few = try JVMSynthTests.synth(JVMSynthTests.small { $0.threads = 2 }, path("few.mrt"))
        let many = try JVMSynthTests.synth(JVMSynthTests.small { $0.threads = 16 }, path("many.mrt"))
        #expect(many.threads == few.threads + 14)
        // Heap size → reserved and resident.
        let big = try JVMSynthTests.synth(JVMSynthTests.small { $0.maxHeap = 1 << 30 }, path("big.mrt"))
        #expect(big.peakCommittedHeap > JVMSynthTests.small().maxHeap!)
        let mSmall = try JVMSynthTests.replay(path("few.mrt"), path("few.db"))
        let mMany = try JVMSynthTests.replay(path("many.mrt"), path("many.db"))
        let mBig = try JVMSynthTests.replay(path("big.mrt"), path("big.db"))
        #expect(JVMSynthTests.metric(mMany, "VmPeak") > JVMSynthTests.metric(mSmall, "VmPeak") + 14 * 1024)
        let mBase = try JVMSynthTests.replay(path("slow.mrt"), path("slow.db"))
        #expect(JVMSynthTests.metric(mBig, "VmPeak") > JVMSynthTests.metric(mBase, "VmPeak") + 700 * 1024)
        #expect(JVMSynthTests.metric(mBig, "VmHWM") > JVMSynthTests.metric(mBase, "VmHWM"))
        // THP (UseTransparentHugePages, thp.enabled=madvise) → fewer faults.
        _ = try JVMSynthTests.synth(JVMSynthTests.small { $0.allocationRate = 200; $0.transparentHugePages = true }, path("thp.mrt"))
        let mTHP = try JVMSynthTests.replay(path("thp.mrt"), path("thp.db"))
        #expect(mTHP["vmstat.pgfault", default: 0] < mBase["vmstat.pgfault", default: 0] / 2,
                "\(mBase["vmstat.pgfault", default: 0]) → \(mTHP["vmstat.pgfault", default: 0])")
        #expect(mTHP["vmstat.thp_fault_alloc", default: 0] > 0)
    }

    @Test func heapRegionsKeepTheirInvariants() {
        var h = JVMHeap(base: 0xF000_0000, regionSize: 1 << 20, regions: 64)
        #expect(h.expand(by: 10) == [0..<10])
        let young = h.takeHigh(.eden), old = h.takeLow()
        #expect(young == 9 && old == 0)
        h.used[9] = 4096; h.live[9] = 100
        #expect(h.invariantViolations().isEmpty)
        h.free(9)
        #expect(h.shrink(by: 3) == [7..<10])
        #expect(h.committed == 7 && h.invariantViolations().isEmpty)
        h.live[0] = 1
        #expect(!h.invariantViolations().isEmpty)      // live above used is caught
    }
}
