import Foundation
import TestSupport
import MemTrace
import Testing

/// `record --accesses faults` against the real kernel: Tests/Fixtures/recorder/touchfork.c touches
/// N MiB, forks and lets the child touch part of it; the replayed `vmstat.pgfault` delta between
/// N = 64 and N = 0 must be within 1% of the real fault delta of the same recorded runs. The real
/// count is the kernel's own for the whole tree from exec to exit (the perf counting events the
/// recorder keeps in `recorder.real_minor_faults`); the program's getrusage, printed just before it
/// returns, misses the faults of the recorder's exit flush (zstd's workspace grows with the events
/// to compress: ~30 pages for the 64 MiB file run), so it is held to 2%. Runs where the host
/// permits perf_event_open.
@Suite(.serialized)
struct RecordFaultsTests {
    static let hasCC = FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")

    /// True when a recording of `true` got its faults from perf (root, or perf_event_paranoid ≤ 2).
    static let perfAllowed: Bool = {
        guard hasCC, let dir = try? CLI.tempDir() else { return false }
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("true.mrt").path
        guard let r = try? CLI.run(["record", "-q", "-o", trace, "--", "/bin/true"]), r.status == 0,
              let reader = try? TraceReader(path: trace) else { return false }
        return reader.header.attributes["recorder.fault_source"]?.hasPrefix("perf") == true
    }()

    static func compile(in dir: URL) throws -> String {
        let out = dir.appendingPathComponent("touchfork").path
        let cc = try Subprocess.run("/usr/bin/cc", ["-O2", "-o", out, RecordTests.fixtures.appendingPathComponent("touchfork.c").path])
        try #require(cc.status == 0, "\(cc)")
        return out
    }

    /// Records `arguments`, replays on `--machine host`; returns the program's own getrusage minor
    /// faults, the replay's metrics and the trace header.
    static func recordAndReplay(_ program: String, _ arguments: [String], in dir: URL, name: String,
                                environment: [String: String] = [:]) throws
        -> (realMinor: Int, kernelFaults: Int?, metrics: [String: Double], header: TraceHeader, stderr: String) {
        let trace = dir.appendingPathComponent(name + ".mrt").path
        let db = dir.appendingPathComponent(name + ".db").path
        let r = try CLI.run(["record", "-o", trace, "--", program] + arguments, environment: environment)
        try #require(r.status == 0, "\(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("minflt ") })
        let real = try #require(Int(line.split(separator: " ")[1]))
        let replay = try CLI.run(["replay", trace, "-o", db, "--machine", "host"])
        try #require(replay.status == 0, "\(replay.stderr)")
        let header = try TraceReader(path: trace).header
        // The kernel's own count (perf counting events); absent when perf was refused.
        let minor = header.attributes["recorder.real_minor_faults"].flatMap { Int($0) }
        let major = header.attributes["recorder.real_major_faults"].flatMap { Int($0) }
        let kernel = minor.flatMap { m in major.map { m + $0 } }
        return (real, kernel, try metrics(db), header, r.stderr)
    }

    static func metrics(_ db: String) throws -> [String: Double] {
        let m = try CLI.run(["metrics", db])
        let json = try JSONSerialization.jsonObject(with: Data(m.stdout.utf8)) as? [String: Any]
        return (json?["metrics"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    /// The replayed pgfault delta against the real ones (the kernel's count for the tree, the
    /// program's getrusage), N MiB against 0.
    static func compareDeltas(_ mode: String, file: Bool = false) throws
        -> (real: Int, model: Int, big: [String: Double], rusage: Int) {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try compile(in: dir)
        func args(_ n: Int) -> [String] { file ? [mode, dir.appendingPathComponent("data").path, String(n)] : [mode, String(n)] }
        let big = try recordAndReplay(program, args(64), in: dir, name: "big")
        let none = try recordAndReplay(program, args(0), in: dir, name: "none")
        #expect(big.metrics["touches.total"] ?? 0 > 0)
        #expect(big.header.attributes["recorder.fault_samples_lost"] == "0")
        let model = Int(big.metrics["vmstat.pgfault"] ?? 0) - Int(none.metrics["vmstat.pgfault"] ?? 0)
        let rusage = big.realMinor - none.realMinor
        #expect(abs(model - rusage) * 50 <= rusage, "model \(model) vs getrusage \(rusage)")
        let bigKernel = try #require(big.kernelFaults), noneKernel = try #require(none.kernelFaults)
        return (bigKernel - noneKernel, model, big.metrics, rusage)
    }

    @Test(.enabled(if: perfAllowed)) func anonymousTouchForkAndChildWritesWithinOnePercent() throws {
        let (real, model, m, _) = try RecordFaultsTests.compareDeltas("anon")
        #expect(real > 24_000)
        #expect(abs(model - real) * 100 <= real, "model \(model) vs real \(real)")
        // 16,384 first writes in the parent, 8,192 copy-on-write faults in the child.
        #expect(m["faults.cow_copy"] ?? 0 >= 8192)
        #expect(m["faults.anon_new"] ?? 0 >= 16_384)
    }

    @Test(.enabled(if: perfAllowed)) func sharedFileMappingFaultAroundWithinOnePercent() throws {
        let (real, model, m, _) = try RecordFaultsTests.compareDeltas("file", file: true)
        #expect(real > 1500)
        #expect(abs(model - real) * 100 <= real, "model \(model) vs real \(real)")
        // 64 MiB read through 16-page fault-around windows, once in the parent and once in the child.
        #expect(m["faults.file_minor"] ?? 0 >= 2048)
    }

    static let thpAvailable: Bool = {
        let text = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)) ?? ""
        return text.contains("[always]") || text.contains("[madvise]")
    }()

    @Test(.enabled(if: perfAllowed && thpAvailable)) func transparentHugePagesWithinOnePercent() throws {
        let (real, model, m, _) = try RecordFaultsTests.compareDeltas("thp")
        #expect(abs(model - real) * 100 <= real, "model \(model) vs real \(real)")
        // 32 huge pages when the replayed mapping is 2 MiB-aligned (Linux ≥ 6.7 aligns it), 31 otherwise.
        #expect((31...32).contains(m["faults.thp_new"] ?? 0))
    }

    /// A read(2) into a fresh buffer: the kernel takes the faults in copy_to_user
    /// (exceptions:page_fault_kernel), and the replay has the buffer resident.
    @Test(.enabled(if: perfAllowed)) func kernelModeFaultsOfReadIntoAFreshBuffer() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordFaultsTests.compile(in: dir)
        let data = dir.appendingPathComponent("data")
        try Data(repeating: 7, count: 32 << 20).write(to: data)
        let r = try RecordFaultsTests.recordAndReplay(program, ["read", data.path, "32"], in: dir, name: "read")
        let pid = try #require(r.header.processes.first?.pid)
        // 32 MiB of buffer resident: RssAnon at least 32 MiB in the model's peak.
        #expect(r.metrics["status.\(pid).VmHWM"] ?? 0 >= 32 * 1024)
        // Program order: the touches of the 32 MiB buffer lie between its malloc and its free.
        let reader = try TraceReader(path: dir.appendingPathComponent("read.mrt").path)
        var events: [TraceRecord] = []
        while let e = try reader.next() { events.append(e) }
        let mallocAt = try #require(events.firstIndex { if case .alloc(let a) = $0.event { a.op == .malloc && a.size == 32 << 20 } else { false } })
        guard case .alloc(let block) = events[mallocAt].event else { return }
        let freeAt = try #require(events.firstIndex { if case .alloc(let a) = $0.event { a.op == .free && a.pointer == block.result } else { false } })
        let inBlock = events.indices.filter { i in
            if case .access(let a) = events[i].event, a.kind.isTouch,
               a.address.rawValue >= block.result.rawValue, a.address.rawValue < block.result.rawValue + (32 << 20) { return true }
            return false
        }
        #expect(inBlock.count >= 8000)
        // malloc writes its chunk header (the block's first page) inside the call, before the
        // interposer stamps it (the replay holds that touch for the mmap: `PendingTouch`).
        // (After the free the range is unmapped; touches there later are the interposer's own
        // teardown reusing the addresses for its unrecorded mappings.)
        let firstPage = block.result.rawValue >> 12
        let early = inBlock.filter { i in
            guard case .access(let a) = events[i].event else { return true }
            return i < mallocAt && a.address.rawValue >> 12 != firstPage
        }
        #expect(early.isEmpty)
        #expect(inBlock.filter { $0 > mallocAt && $0 < freeAt }.count >= 8190)
        // Re-allocated: the touches follow the buffer into the ptmalloc model's own chunk.
        let db = dir.appendingPathComponent("ptmalloc.db").path
        let replay = try CLI.run(["replay", dir.appendingPathComponent("read.mrt").path, "-o", db, "--machine", "host",
                                  "--allocator", "ptmalloc"])
        try #require(replay.status == 0, "\(replay.stderr)")
        #expect(try RecordFaultsTests.metrics(db)["status.\(pid).VmHWM"] ?? 0 >= 32 * 1024)
        let none = try RecordFaultsTests.recordAndReplay(program, ["read", data.path, "0"], in: dir, name: "none")
        let real = r.realMinor - none.realMinor
        let model = Int(r.metrics["vmstat.pgfault"] ?? 0) - Int(none.metrics["vmstat.pgfault"] ?? 0)
        #expect(abs(model - real) * 100 <= real, "model \(model) vs real \(real)")
    }

    /// Mappings ld.so and glibc make without the PLT (a dlopen'ed library, a thread's stack) reach
    /// the model through the maps snapshots and perf's mmap records: libm is mapped in the replay
    /// and the thread's stack touches fault there.
    @Test(.enabled(if: perfAllowed)) func dlopenAndThreadStackMappingsReachTheModel() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = dir.appendingPathComponent("dlopen").path
        let cc = try Subprocess.run("/usr/bin/cc", ["-O1", "-o", program, RecordTests.fixtures.appendingPathComponent("dlopen.c").path, "-ldl", "-lpthread"])
        try #require(cc.status == 0, "\(cc)")
        let trace = dir.appendingPathComponent("d.mrt").path, db = dir.appendingPathComponent("d.db").path
        let r = try CLI.run(["record", "-o", trace, "--", program])
        try #require(r.status == 0, "\(r.stderr)")
        let header = try TraceReader(path: trace).header
        let pid = try #require(header.processes.first?.pid)
        #expect(!header.processes[0].regions.contains { $0.path.contains("libm.so") })
        try #require(CLI.run(["replay", trace, "-o", db]).status == 0)
        let events = try CLI.run(["query", db, "select count(*) from events", "--format", "csv"])
        let last = try #require(Int(events.stdout.split(separator: "\n").last ?? ""))
        let maps = try CLI.run(["proc", "maps", db, "--pid", String(pid), "--at", String(last - 2)])
        #expect(maps.stdout.contains("libm.so.6"), "\(maps.stdout)\(maps.stderr)")
        // The thread wrote 64 pages of its stack: anonymous pages in the model.
        #expect(try RecordFaultsTests.metrics(db)["faults.anon_new"] ?? 0 >= 64)
    }

    /// perf refused (simulated with MEMREPLAY_DENY_PERF): a warning naming the sysctl, the pagemap
    /// scanner as the source, and a replay that still has the touched memory resident.
    @Test(.enabled(if: hasCC)) func perfDeniedFallsBackToPagemap() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordFaultsTests.compile(in: dir)
        // The program holds its pages 300 ms after touching them, so scans come even on a loaded machine.
        let r = try RecordFaultsTests.recordAndReplay(program, ["anon", "64", "300"], in: dir, name: "denied",
                                                      environment: ["MEMREPLAY_DENY_PERF": "1"])
        #expect(r.stderr.contains("warning"))
        #expect(r.stderr.contains("kernel.perf_event_paranoid"))
        #expect(r.header.attributes["recorder.fault_source"] == "pagemap")
        let pid = try #require(r.header.processes.first?.pid)
        // What the scans caught of the 64 MiB is resident in the model.
        let hwm = r.metrics["status.\(pid).VmHWM"] ?? 0
        #expect(hwm > 16 * 1024, "VmHWM \(hwm) kB")
        #expect(r.metrics["touches.total"] ?? 0 > 0)
    }
}
