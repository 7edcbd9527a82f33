import Foundation
import Testing
import MemTrace

/// `memreplay replay --allocator`: one trace re-allocated by ptmalloc, the jemalloc-like model and
/// best fit gives different heaps, RSS and fragmentation, and `memreplay diff` shows it.
@Suite struct AllocatorCLITests {
    static let pid: UInt32 = 4000

    /// A program that builds up a heap of mixed blocks (writing every page it gets), frees three
    /// quarters of it at random, idles 30 s, then allocates small blocks again; one event per ms.
    static func writeTrace(_ path: String) throws {
        let regions = [MappedRegion(start: 0x5555_5555_4000, end: 0x5555_5555_8000, permissions: "r-xp", path: "/usr/bin/whatif"),
                       MappedRegion(start: 0x7fff_fffd_e000, end: 0x7fff_ffff_f000, permissions: "rw-p", path: "[stack]")]
        let header = TraceHeader(producer: "test", producerVersion: "1", commandLine: ["whatif"],
                                 processes: [InitialProcess(pid: pid, executable: "/usr/bin/whatif", regions: regions)])
        let w = try TraceWriter(path: path, header: header)
        var time: UInt64 = 0
        func emit(_ e: Event) throws { time += 1_000_000; try w.append(TraceRecord(time: time, pid: ProcessID(pid), tid: ThreadID(pid), event: e)) }
        var state: UInt64 = 99
        func rnd(_ n: UInt64) -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return (state >> 33) % n }
        var next: UInt64 = 0x6000_0000
        var live: [(UInt64, UInt64)] = []
        func alloc(_ size: UInt64) throws {
            let p = next; next += (size + 4095) & ~4095 + 4096
            try emit(.alloc(AllocationCall(op: .malloc, size: size, result: VirtualAddress(p))))
            var off: UInt64 = 0
            while off < size { try emit(.access(MemoryAccess(kind: .store, address: VirtualAddress(p + off), size: 8))); off += 4096 }
            live.append((p, size))
        }
        for _ in 0..<3000 { try alloc(rnd(20) == 0 ? 150_000 + rnd(100_000) : 16 + rnd(rnd(4) == 0 ? 4000 : 400)) }
        for _ in 0..<2250 {
            let k = Int(rnd(UInt64(live.count)))
            try emit(.alloc(AllocationCall(op: .free, pointer: VirtualAddress(live[k].0))))
            live.swapAt(k, live.count - 1); live.removeLast()
        }
        // Idle time: a decaying allocator gives dirty pages back at its next call.
        time += 30_000_000_000
        for _ in 0..<1500 { try alloc(16 + rnd(200)) }
        try emit(.control(ControlEvent(op: .phase, name: w.defineString("end"))))
        try w.close()
    }

    func metric(_ db: URL, _ name: String) throws -> Double {
        let r = try CLI.run(["query", db.path, "SELECT value FROM metrics WHERE name = '\(name)'", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        return Double(r.stdout.split(separator: "\n").last.map(String.init) ?? "") ?? .nan
    }

    /// `proc` rebuilds a run with the run's own user-space model: a re-allocated run's process
    /// status is the one its metrics give, not the recorded heap's.
    @Test func procViewsOfAReallocatedRunUseItsAllocator() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("whatif.mrt")
        try Self.writeTrace(trace.path)
        var rss: [String: Double] = [:]
        for a in ["ptmalloc", "best-fit"] {
            let db = dir.appendingPathComponent("\(a).db")
            #expect(try CLI.run(["replay", trace.path, "--allocator", a, "-o", db.path, "-q"]).status == 0)
            let model = try CLI.run(["query", db.path, "SELECT user_model FROM runs", "--format", "csv"])
            #expect(model.stdout.contains(a))
            let status = try CLI.run(["proc", "status", db.path, "--pid", String(Self.pid)])
            #expect(status.status == 0, "\(status.stderr)")
            let line = status.stdout.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.map(String.init) ?? ""
            let kb = Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? .nan
            #expect(kb == (try metric(db, "status.\(Self.pid).VmRSS")), "\(a): \(line)")
            rss[a] = kb
        }
        #expect(rss["ptmalloc"] != rss["best-fit"])
    }

    @Test func whatIfAllocators() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("whatif.mrt")
        try Self.writeTrace(trace.path)
        var figures: [String: (heap: Double, rss: Double, ext: Double, util: Double)] = [:]
        for a in ["ptmalloc", "jemalloc", "best-fit"] {
            let db = dir.appendingPathComponent("\(a).db")
            let r = try CLI.run(["replay", trace.path, "--allocator", a, "-o", db.path, "-q"])
            #expect(r.status == 0, "\(a): \(r.stderr)")
            figures[a] = (try metric(db, "alloc.peak_heap_bytes"), try metric(db, "status.\(Self.pid).VmRSS"),
                          try metric(db, "alloc.external_fragmentation"), try metric(db, "alloc.utilization"))
            // Every malloc-family call has the model's outcome; blocks land in the model's heap.
            let q = try CLI.run(["query", db.path, "SELECT count(*), sum(model_address <> recorded_address) FROM v_alloc_outcomes WHERE op = 'malloc'", "--format", "csv"])
            #expect(q.stdout.contains("4500,4500"), "\(a): \(q.stdout)")
        }
        print("what-if: \(figures)")
        let p = figures["ptmalloc"]!, j = figures["jemalloc"]!, b = figures["best-fit"]!
        #expect(Set([p.rss, j.rss, b.rss]).count == 3)
        #expect(Set([p.ext, j.ext, b.ext]).count == 3)
        #expect(j.rss < p.rss)   // decay gave dirty pages back; ptmalloc keeps freed heap pages
        let d = try CLI.run(["diff", dir.appendingPathComponent("ptmalloc.db").path, dir.appendingPathComponent("jemalloc.db").path])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(d.stdout.contains("alloc.peak_heap_bytes") && d.stdout.contains("alloc.external_fragmentation"))
        #expect(d.stdout.contains("status.\(Self.pid).VmRSS"))
        // A threshold on the heap makes the difference a failure (exit 1).
        let gate = try CLI.run(["diff", dir.appendingPathComponent("jemalloc.db").path, dir.appendingPathComponent("best-fit.db").path,
                                "--threshold", "alloc.external_fragmentation=0"])
        #expect(gate.status == 1)
    }

    @Test func reportModeKeepsTheRecordedAddresses() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("whatif.mrt")
        try Self.writeTrace(trace.path)
        let plain = dir.appendingPathComponent("plain.db"), report = dir.appendingPathComponent("report.db")
        #expect(try CLI.run(["replay", trace.path, "-o", plain.path, "-q"]).status == 0)
        #expect(try CLI.run(["replay", trace.path, "--allocator", "ptmalloc", "--allocator-mode", "report", "-o", report.path, "-q"]).status == 0)
        // The kernel saw the trace's own addresses: the same faults as without a model.
        #expect(try metric(plain, "vmstat.pgfault") == metric(report, "vmstat.pgfault"))
        #expect(try metric(report, "alloc.brk_calls") > 0)
        let q = try CLI.run(["query", report.path, "SELECT path, count(*) FROM v_alloc_outcomes GROUP BY path ORDER BY path", "--format", "csv"])
        #expect(q.stdout.contains("tcache") && q.stdout.contains("mmap"), "\(q.stdout)")
        // The ready queries on a real allocator run.
        let paths = try CLI.run(["query", report.path, CLI.packageRoot.appendingPathComponent("queries/alloc-paths.sql").path, "--format", "csv"])
        #expect(paths.status == 0 && paths.stdout.hasPrefix("op,path,calls,percent") && paths.stdout.contains("malloc,tcache"), "\(paths.stdout)")
        let sys = try CLI.run(["query", report.path, CLI.packageRoot.appendingPathComponent("queries/alloc-syscalls.sql").path, "--format", "csv"])
        #expect(sys.stdout.contains(",brk,") && sys.stdout.contains(",mmap,"), "\(sys.stdout.prefix(400))")
        let sum = try CLI.run(["query", report.path, CLI.packageRoot.appendingPathComponent("queries/alloc-summary.sql").path, "--format", "csv"])
        #expect(sum.stdout.contains("alloc.peak_brk_bytes") && sum.stdout.contains("alloc.utilization"))
    }

    @Test func unknownAllocatorIsAUsageError() throws {
        let r = try CLI.run(["replay", "/nonexistent.mrt", "--allocator", "worst-fit"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("worst-fit") && r.stderr.contains("ptmalloc"))
    }
}
