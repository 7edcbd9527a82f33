#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MemTrace
import MemReplay

/// Replay speed under memory pressure (issue 13): one synthesized trace that needs twice the
/// small machine's memory, replayed by the whole `memreplay replay` command (the time a user waits
/// for: decoding, the models, the SQLite store) on the small machine with swap and on a machine
/// large enough that nothing is reclaimed; interleaved, best of `rounds` each.
///
/// The trace (one process): an anonymous private mapping of 2× RAM written page by page (reclaim
/// swaps the early pages out as the late ones come in) and read back page by page (swap-ins with
/// readahead); then a file of 2× RAM read twice with 256 KiB read() calls (page-cache reclaim,
/// shadow entries, refaults on the second pass); then exit.
public struct PressureBenchmark {
    /// The small machine's memory.
    public var ramBytes: UInt64 = 256 << 20
    /// Its swap area (enough for the anonymous working set).
    public var swap = "1G"
    /// The machine large enough for the whole trace without reclaim.
    public var largeBytes: UInt64 = 2 << 30
    public var rounds = 3

    public init() {}

    /// Events/s of the two replays, their wall times, and what the small one did.
    public struct Result {
        public var events: UInt64
        public var pressured: Double, roomy: Double          // seconds, best of the rounds
        public var pressuredRate: Double { Double(events) / pressured }
        public var roomyRate: Double { Double(events) / roomy }
        public var ratio: Double { roomy / pressured }
        public var pressuredCounters: [String: Double], roomyCounters: [String: Double]
    }

    /// Writes the trace to `path`.
    public func writeTrace(to path: String) throws -> UInt64 {
        let exe = "/usr/local/bin/pressure"
        let process = InitialProcess(pid: 1000, parent: 1, executable: exe, regions: [
            MappedRegion(start: 0x55_5555_4000, end: 0x55_5555_6000, permissions: "r-xp", offset: 0, device: "08:01", inode: 1_311_002, path: exe),
            MappedRegion(start: 0x55_5555_6000, end: 0x55_5555_7000, permissions: "rw-p", offset: 0x2000, device: "08:01", inode: 1_311_002, path: exe),
            MappedRegion(start: 0x7fff_fffd_e000, end: 0x7fff_ffff_f000, permissions: "rw-p", path: "[stack]"),
        ])
        let header = TraceHeader(producer: "memreplay-bench", producerVersion: MemReplayVersion.current,
                                 commandLine: ["memreplay-bench", "pressure"], processes: [process],
                                 attributes: ["benchmark": "pressure", "ram": String(ramBytes)])
        let writer = try TraceWriter(path: path, header: header, compressionLevel: 3)
        let pid = ProcessID(1000), tid = ThreadID(1000)
        var time: UInt64 = 0
        func emit(_ e: Event) throws { time += 1000; try writer.append(TraceRecord(time: time, pid: pid, tid: tid, event: e)) }
        func access(_ kind: AccessKind, _ a: UInt64) throws {
            time += 100
            try writer.append(TraceRecord(time: time, pid: pid, tid: tid, event: .access(MemoryAccess(kind: kind, address: VirtualAddress(a), size: 8))))
        }
        let size = 2 * ramBytes
        let base: UInt64 = 0x7f00_0000_0000
        try emit(.control(ControlEvent(op: .phase, name: writer.defineString("anon-write"))))
        try emit(.memory(MemoryCall(op: .mmap, address: VirtualAddress(base), length: size, prot: [.read, .write],
                                    flags: MapFlags([.private, .anonymous, .fixed]).rawValue, result: Int64(base))))
        for a in stride(from: base, to: base + size, by: Int(Page.size)) { try access(.store, a) }
        try emit(.control(ControlEvent(op: .phase, name: writer.defineString("anon-read"))))
        for a in stride(from: base, to: base + size, by: Int(Page.size)) { try access(.load, a) }
        try emit(.memory(MemoryCall(op: .munmap, address: VirtualAddress(base), length: size)))
        try emit(.control(ControlEvent(op: .phase, name: writer.defineString("file-read-twice"))))
        let f = FileID(1)
        try emit(.file(FileCall(op: .open, file: f, path: writer.defineString("/data/pressure.bin"), size: size)))
        for _ in 0..<2 {
            for off in stride(from: UInt64(0), to: size, by: 256 << 10) {
                try emit(.file(FileCall(op: .read, file: f, offset: off, length: 256 << 10, result: 256 << 10)))
            }
        }
        try emit(.file(FileCall(op: .close, file: f)))
        try emit(.process(ProcessEvent(op: .exit, status: 0)))
        try writer.close()
        return writer.eventCount
    }

    /// Runs `memreplay replay` and returns its wall time in seconds.
    func replay(_ memreplay: String, trace: String, db: String, memory: UInt64) throws -> Double {
        try? FileManager.default.removeItem(atPath: db)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: memreplay)
        p.arguments = ["replay", trace, "-o", db, "--quiet", "--machine", "tiny-256m",
                       "--set", "memory=\(memory >> 20)M", "--set", "swap=\(swap)"]
        var t0 = timespec(); clock_gettime(CLOCK_MONOTONIC, &t0)
        try p.run()
        p.waitUntilExit()
        var t1 = timespec(); clock_gettime(CLOCK_MONOTONIC, &t1)
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "memreplay-bench", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "memreplay replay exited with \(p.terminationStatus)"])
        }
        return Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) / 1e9
    }

    /// The run's metrics named `names`, read with the sqlite3 command (empty without it).
    func counters(_ db: String, _ names: [String]) -> [String: Double] {
        var out: [String: Double] = [:]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        let list = names.map { "'\($0)'" }.joined(separator: ",")
        p.arguments = [db, "SELECT name, value FROM metrics WHERE name IN (\(list));"]
        let pipe = Pipe()
        p.standardOutput = pipe
        guard (try? p.run()) != nil else { return out }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let kv = line.split(separator: "|")
            if kv.count == 2, let v = Double(kv[1]) { out[String(kv[0])] = v }
        }
        return out
    }

    public static let reported = ["vmstat.pswpout", "vmstat.pswpin", "vmstat.pgsteal_kswapd", "vmstat.pgsteal_direct",
                                  "vmstat.workingset_refault_file", "vmstat.oom_kill", "vmstat.pgmajfault"]

    /// Writes the trace into `directory`, replays it `rounds` times on each machine.
    public func run(memreplay: String, directory: String) throws -> Result {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let trace = directory + "/pressure.mrt"
        let events = try writeTrace(to: trace)
        var best = (small: Double.infinity, large: Double.infinity)
        for _ in 0..<rounds {
            best.small = min(best.small, try replay(memreplay, trace: trace, db: directory + "/small.db", memory: ramBytes))
            best.large = min(best.large, try replay(memreplay, trace: trace, db: directory + "/large.db", memory: largeBytes))
        }
        return Result(events: events, pressured: best.small, roomy: best.large,
                      pressuredCounters: counters(directory + "/small.db", PressureBenchmark.reported),
                      roomyCounters: counters(directory + "/large.db", PressureBenchmark.reported))
    }
}
