/// Converts a valgrind lackey `--trace-mem=yes` log into a trace.
///
/// A lackey log has accesses but no address space, so the importer makes the address space
/// explicit: before the first access that touches an uncovered `regionBytes`-aligned chunk of the
/// address space, it writes a `region` event mapping that chunk anonymous and rwx (private), the
/// way the recorder writes the mappings present at start. The kernel model therefore faults pages
/// in on first touch instead of killing the process; the header says so
/// (`address_space = inferred-regions`, `region_bytes`). Accesses keep their virtual addresses, so
/// a virtually-indexed cache model (the `cachegrind` preset) sees exactly what lackey printed.
public struct LackeyImporter {
    public var regionBytes: UInt64
    /// The pid the events carry (0: the first `==PID==` line's, else 1).
    public var pid: UInt32
    public init(regionBytes: UInt64 = 2 << 20, pid: UInt32 = 0) {
        self.regionBytes = regionBytes; self.pid = pid
    }

    /// The header a converted log gets.
    public func header(log: String, pid: UInt32, commandLine: [String]) -> TraceHeader {
        TraceHeader(producer: "memreplay-import-lackey", producerVersion: "1", commandLine: commandLine,
                    processes: [InitialProcess(pid: pid, parent: 0, executable: log)],
                    attributes: ["source_format": "valgrind-lackey-trace-mem", "source": log,
                                 "address_space": "inferred-regions", "region_bytes": String(regionBytes)])
    }

    /// Reads `log` and writes the trace to `output` atomically; returns (records, regions).
    /// `progress` gets the bytes of the log read and the records parsed so far, after each 1 MiB.
    @discardableResult
    public func convert(log: String, to output: String, commandLine: [String] = [], compressionLevel: Int = 6,
                        progress: ((_ bytes: UInt64, _ records: UInt64) -> Void)? = nil) throws -> (records: UInt64, regions: UInt64) {
        // The pid is in the log's `==PID==` lines, which come first; peek for it so the header has it.
        var usePid = pid
        if usePid == 0 { usePid = LackeyImporter.peekPid(log) ?? 1 }
        let writer = try TraceWriter(path: output, header: header(log: log, pid: usePid, commandLine: commandLine),
                                     compressionLevel: compressionLevel)
        do {
            let counts = try write(log: log, pid: usePid, to: writer, progress: progress)
            try writer.close()
            return counts
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Streams `log` into `writer` (region events before first touches, then the accesses).
    public func write(log: String, pid: UInt32, to writer: TraceWriter,
                      progress: ((_ bytes: UInt64, _ records: UInt64) -> Void)? = nil) throws -> (records: UInt64, regions: UInt64) {
        let p = ProcessID(pid), t = ThreadID(pid)
        let shift = UInt64(regionBytes.trailingZeroBitCount)
        var covered = Set<UInt64>()
        var lastChunk = UInt64.max
        var regions: UInt64 = 0
        let name = writer.defineString("[lackey]")
        func cover(_ chunk: UInt64) throws {
            guard covered.insert(chunk).inserted else { return }
            regions += 1
            let call = MemoryCall(op: .region, address: VirtualAddress(chunk << shift), length: regionBytes,
                                  prot: [.read, .write, .execute], flags: MapFlags.private.union(.anonymous).rawValue,
                                  name: name, result: Int64(bitPattern: chunk << shift))
            try writer.append(TraceRecord(time: 0, pid: p, tid: t, event: .memory(call)))
        }
        let parser = try LackeyLog.read(path: log, progress: progress) { r in
            let a = r.access.address.rawValue
            let first = a >> shift, last = (a &+ UInt64(r.access.size) &- 1) >> shift
            if first != lastChunk || last != first {
                try cover(first)
                if last != first { try cover(last) }
                lastChunk = first
            }
            try writer.append(TraceRecord(time: 0, pid: p, tid: t, event: .access(r.access)))
        }
        return (parser.records, regions)
    }

    /// The pid of the first `==PID==` line among the log's first 64 KiB, if any.
    static func peekPid(_ log: String) -> UInt32? {
        var parser = LackeyParser(source: log)
        guard let text = readPrefix(log, 65536) else { return nil }
        // Feed whole lines only; a record error in the prefix is reported later by the full read.
        let cut = text.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        try? text[0..<cut].withUnsafeBytes { try parser.feed($0) { _ in } }
        return parser.pid == 0 ? nil : parser.pid
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LackeyImporter {
    /// Up to `limit` bytes from the start of `path`, or nil when it cannot be read.
    static func readPrefix(_ path: String, _ limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = posixClose(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var got = 0
        while got < limit {
            let n = bytes.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress! + got, limit - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        return Array(bytes[0..<got])
    }
}
