import Foundation
import Testing

/// Real programs recorded with `--accesses faults` and replayed on `--machine host` with a warm
/// page cache (the recording host had the programs' files cached): the model's page faults and
/// peak RSS against the kernel's own figures of the same run — `recorder.real_minor_faults` +
/// `recorder.real_major_faults` (perf counting events over the whole tree) against
/// `vmstat.pgfault`, and `recorder.real_max_rss_kb` (wait4's ru_maxrss: the largest VmHWM of any
/// process of the tree) against the largest `status.<pid>.VmHWM`. Goals: ±2 % faults, ±3 % peak RSS.
@Suite(.serialized)
struct RealProgramFaultsTests {
    struct Figures { var realFaults: Double; var modelFaults: Double; var realRSS: Double; var modelRSS: Double }

    /// Why the tests cannot run here, or nil: perf must be the fault source (not the pagemap
    /// scanner), which a probe recording of /bin/true shows. Printed when the tests are skipped.
    static let perfUnavailable: String? = {
        guard FileManager.default.isExecutableFile(atPath: "/bin/true"),
              let dir = try? CLI.tempDir() else { return "no temporary directory" }
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("probe.mrt").path
        guard let r = try? CLI.run(["record", "-o", trace, "--", "/bin/true"]), r.status == 0,
              let source = try? attribute(trace, "recorder.fault_source") else { return "memreplay record failed" }
        if source.hasPrefix("perf") { return nil }
        let reason = "perf_event_open is not permitted (fault source \(source)); kernel.perf_event_paranoid must be ≤ 2 or CAP_PERFMON held"
        print("RealProgramFaultsTests skipped: \(reason)")
        return reason
    }()

    static func attribute(_ trace: String, _ key: String) throws -> String? {
        let r = try CLI.run(["inspect", trace])
        for line in r.stdout.split(separator: "\n") where line.hasPrefix("attribute:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 4 && parts[1] == key { return String(parts[3]) }
        }
        return nil
    }

    /// Records `command` in `dir`, replays it and collects both sides' figures.
    static func measure(_ command: [String], in dir: URL) throws -> Figures {
        let trace = dir.appendingPathComponent("t.mrt").path, db = dir.appendingPathComponent("run.db").path
        let r = try CLI.run(["record", "-o", trace, "--"] + command, cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try CLI.run(["replay", trace, "-o", db, "--machine", "host", "--set", "page_cache=warm", "-q"])
        #expect(p.status == 0, "\(p.stderr)")
        let json = try CLI.run(["metrics", db]).stdout
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let metrics = (object?["metrics"] as? [String: Any]) ?? object ?? [:]
        func number(_ v: Any?) -> Double { (v as? NSNumber)?.doubleValue ?? 0 }
        let hwm = metrics.filter { $0.key.hasPrefix("status.") && $0.key.hasSuffix(".VmHWM") }.map { number($0.value) }.max() ?? 0
        let minor = Double(try attribute(trace, "recorder.real_minor_faults") ?? "") ?? 0
        let major = Double(try attribute(trace, "recorder.real_major_faults") ?? "") ?? 0
        let rss = Double(try attribute(trace, "recorder.real_max_rss_kb") ?? "") ?? 0
        return Figures(realFaults: minor + major, modelFaults: number(metrics["vmstat.pgfault"]), realRSS: rss, modelRSS: hwm)
    }

    static func within(_ model: Double, _ real: Double, _ fraction: Double) -> Bool {
        real > 0 && abs(model - real) <= fraction * real
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")),
          .enabled(if: RealProgramFaultsTests.perfUnavailable == nil, "needs perf_event_open (recorder.fault_source perf:…)"))
    func python3BuildingAList() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try RealProgramFaultsTests.measure(["/usr/bin/python3", "-c", "x = [i * 2 for i in range(3_000_000)]"], in: dir)
        #expect(RealProgramFaultsTests.within(f.modelFaults, f.realFaults, 0.02), "faults: model \(f.modelFaults), real \(f.realFaults)")
        #expect(RealProgramFaultsTests.within(f.modelRSS, f.realRSS, 0.03), "peak RSS kB: model \(f.modelRSS), real \(f.realRSS)")
    }

    /// gcc forks cc1 and as (vfork + exec): a tree of three images. The largest peak RSS is cc1's.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")),
          .enabled(if: RealProgramFaultsTests.perfUnavailable == nil, "needs perf_event_open (recorder.fault_source perf:…)"))
    func gccCompilingAFile() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: RecordTests.fixtures.appendingPathComponent("list.c"),
                                         to: dir.appendingPathComponent("some.c"))
        let f = try RealProgramFaultsTests.measure(["/usr/bin/gcc", "-O2", "-c", "some.c", "-o", "some.o"], in: dir)
        // The zstd workspace the recorder maps lazily (at a child's first flush, at exit) is
        // mapped at once from the recorder's own list (`p<pid>-<gen>.own`), so the faults taken in
        // it replay: −0.2 % to −0.5 % measured (it was −3.3 % to −4.0 % while they were dropped).
        #expect(RealProgramFaultsTests.within(f.modelRSS, f.realRSS, 0.03), "peak RSS kB: model \(f.modelRSS), real \(f.realRSS)")
        #expect(RealProgramFaultsTests.within(f.modelFaults, f.realFaults, 0.02), "faults: model \(f.modelFaults), real \(f.realFaults)")
    }
}
