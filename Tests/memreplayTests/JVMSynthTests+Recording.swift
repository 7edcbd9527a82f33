import Foundation
import TestSupport
import Testing
import MemReplay

/// The synthesized JVM against a recording of the real one: `JVMAlloc` (4 threads allocating
/// 512 MiB of 16–496-byte arrays) under `java -Xmx256m`, recorded, replayed, and synthesized
/// with the same parameters.
extension JVMSynthTests {
    /// The figures compared: mappings, reserved (VmPeak), committed (writable anonymous VMAs), in
    /// kB, just before the exit; resident (VmHWM, kB); threads; young collections.
    struct Signature: CustomStringConvertible {
        var mappings = 0.0, reserved = 0.0, committed = 0.0, resident = 0.0, threads = 0.0, young = 0.0
        var description: String { "mappings \(mappings), reserved \(reserved) kB, committed \(committed) kB, resident \(resident) kB, threads \(threads), young GCs \(young)" }
    }

    static func signature(_ db: String, metrics m: [String: Double]) throws -> Signature {
        let sql = """
        WITH x AS (SELECT min(p.seq) - 1 AS s FROM process_events p JOIN process_ops o ON o.id = p.op WHERE o.name = 'exit')
        SELECT count(*), sum(CASE WHEN prot & 2 != 0 AND file = 0 THEN "end" - start ELSE 0 END) / 1024,
               (SELECT count(*) FROM threads),
               (SELECT count(*) FROM v_control_events WHERE name LIKE '%Pause Young (Normal)%')
        FROM vmas, x WHERE start_seq <= x.s AND (end_seq = 0 OR end_seq > x.s)
        """
        let q = try CLI.run(["query", db, sql, "--format", "csv"])
        let f = q.stdout.split(separator: "\n").dropFirst().first?.split(separator: ",").compactMap { Double($0) } ?? []
        #expect(f.count == 4, "\(q.stdout) \(q.stderr)")
        guard f.count == 4 else { return Signature() }
        return Signature(mappings: f[0], reserved: metric(m, "VmPeak"), committed: f[1], resident: metric(m, "VmHWM"), threads: f[2], young: f[3])
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/java") && FileManager.default.isExecutableFile(atPath: "/usr/bin/javac")))
    func matchesARecordedJava() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let javac = try Subprocess.run("/usr/bin/javac", ["-d", dir.path, CLI.packageRoot.appendingPathComponent("Tests/Fixtures/recorder/JVMAlloc.java").path])
        #expect(javac.status == 0, "\(javac)")
        let real = dir.appendingPathComponent("real.mrt").path, log = dir.appendingPathComponent("gc.log").path
        let r = try CLI.run(["record", "-o", real, "--", "/usr/bin/java", "-Xmx256m", "-Xlog:gc:file=\(log)", "-cp", dir.path,
                             "JVMAlloc", "512", "32", "4"])
        guard r.status == 0 else { Issue.record("recording not available here: \(r.stderr)"); return }
        let realMetrics = try JVMSynthTests.replay(real, dir.appendingPathComponent("real.db").path)
        var realSig = try JVMSynthTests.signature(dir.appendingPathComponent("real.db").path, metrics: realMetrics)
        let gcLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        realSig.young = Double(gcLog.components(separatedBy: "Pause Young (Normal)").count - 1)

        // The same parameters: 256 MiB heap, 4 threads, 512 MiB allocated, 32 KiB kept per thread,
        // arrays of 16–496 bytes (all in TLABs), ~580 classes in all (the JDK's are archived).
        var o = JVMOptions(ram: try JVMSynthTests.SynthJVM_hostMemory(), cpus: ProcessInfo.processInfo.activeProcessorCount)
        o.maxHeap = 256 << 20; o.threads = 4; o.allocationRate = 512 * 1.048576; o.duration = 1
        o.liveSet = 128 << 10; o.survival = 1; o.largeObjects = 0; o.humongousObjects = 0
        o.classes = 10; o.jitCode = 1 << 20
        let synth = dir.appendingPathComponent("synth.mrt").path
        _ = try JVMSynthTests.synth(o, synth)
        let synthMetrics = try JVMSynthTests.replay(synth, dir.appendingPathComponent("synth.db").path)
        let synthSig = try JVMSynthTests.signature(dir.appendingPathComponent("synth.db").path, metrics: synthMetrics)
        print("real:  \(realSig)\nsynth: \(synthSig)")
        func within(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool { abs(a - b) <= tolerance * b }
        #expect(within(synthSig.reserved, realSig.reserved, 0.15), "reserved \(synthSig.reserved) vs \(realSig.reserved)")
        #expect(within(synthSig.committed, realSig.committed, 0.15), "committed \(synthSig.committed) vs \(realSig.committed)")
        #expect(within(synthSig.resident, realSig.resident, 0.15), "resident \(synthSig.resident) vs \(realSig.resident)")
        #expect(abs(synthSig.young - realSig.young) <= 2, "young \(synthSig.young) vs \(realSig.young)")
        #expect(abs(synthSig.threads - realSig.threads) <= 2, "threads \(synthSig.threads) vs \(realSig.threads)")
        // Mappings: the recorded process also maps the recorder's own buffers (per thread), so
        // the count is the real process's own, read from /proc/self/maps by the program at its end
        // in a run without the recorder.
        let plain = try Subprocess.run("/usr/bin/java", ["-Xmx256m", "-Djvmalloc.maps=1", "-cp", dir.path, "JVMAlloc", "512", "32", "4"], timeout: 120)
        let own = plain.stdout.split(separator: "\n").first { $0.hasPrefix("maps ") }?.split(separator: " ")
        let realMaps = own.flatMap { $0.count > 1 ? Double($0[1]) : nil } ?? .nan
        print("mappings: real process \(realMaps) (\(plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines))), recorded and replayed \(realSig.mappings), synth \(synthSig.mappings)")
        #expect(within(synthSig.mappings, realMaps, 0.15), "mappings \(synthSig.mappings) vs the real process's \(realMaps): \(plain)")
    }

    /// MemTotal in bytes, as the JVM sizes itself.
    static func SynthJVM_hostMemory() throws -> UInt64 {
        let text = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let line = text.split(separator: "\n").first { $0.hasPrefix("MemTotal:") } ?? ""
        return (UInt64(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
}
