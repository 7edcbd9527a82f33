import MemTrace
import MemReplay
#if canImport(Glibc)
import Glibc
#endif

/// Measures `.mrt` encoding speed on events built in memory beforehand (so only the encoder is
/// timed), against a baseline measured in the same run.
///
/// The stream: `events` events, three in four accesses of `LocalityStream` and one in four
/// malloc/free events of `MallocStream`, interleaved. The baseline is a bare loop over the same
/// events that stores each one's time delta and address (or pointer) as varints into a
/// preallocated buffer — the least any encoder of these events must do. Measured: the encoder
/// alone (`EncoderBenchmark.encodeRaw`, no compression), and the whole `TraceWriter` in the
/// background mode `synth` and `record` use (encoding and zstd on threads of their own, blocks
/// into memory), from the first `append` until `close()` returns, at zstd levels 6 and 3.
/// Best of three runs each.
public struct EncodeBenchmark {
    public struct Result {
        public var events: Int
        /// Events per second.
        public var bare: Double, encoder: Double, writerLevel6: Double, writerLevel3: Double
        /// Events per second of the writer on the caller's thread (no background threads), level 6.
        public var writerInline: Double
        /// Raw and compressed (level 6) bytes per event.
        public var rawBytesPerEvent: Double, bytesPerEvent: Double
    }

    public var events = 5_000_000
    public init() {}

    public func run() throws -> Result {
        var records: [TraceRecord] = []
        records.reserveCapacity(events)
        var access = LocalityStream(seed: 11)
        var malloc = MallocStream(seed: 12)
        var mallocTime: UInt64 = 0
        for i in 0..<events {
            if i % 4 == 3 {
                var r = malloc.next()
                // One clock for the whole stream: the malloc events follow the accesses' time.
                mallocTime = max(mallocTime, records.last?.time ?? 0)
                r.time = mallocTime
                records.append(r)
            } else {
                records.append(access.next())
            }
        }
        let header = TraceHeader(producer: "memreplay-bench", producerVersion: "1", commandLine: ["encode-benchmark"])
        var result = Result(events: events, bare: 0, encoder: 0, writerLevel6: 0, writerLevel3: 0, writerInline: 0,
                            rawBytesPerEvent: 0, bytesPerEvent: 0)
        var sink = 0
        result.bare = rate { sink &+= EncodeBenchmark.bareLoop(records) }
        var raw = 0
        result.encoder = rate { raw = records.withUnsafeBufferPointer { EncoderBenchmark.encodeRaw($0) } }
        var compressed = 0
        result.writerLevel6 = try rate { compressed = try EncodeBenchmark.write(records, header: header, level: 6, inBackground: true) }
        result.writerLevel3 = try rate { _ = try EncodeBenchmark.write(records, header: header, level: 3, inBackground: true) }
        var inline = 0
        result.writerInline = try rate { inline = try EncodeBenchmark.write(records, header: header, level: 6, inBackground: false) }
        precondition(sink != 0 && raw > 0 && inline == compressed, "encode benchmark: the two writer modes disagree")
        result.rawBytesPerEvent = Double(raw) / Double(events)
        result.bytesPerEvent = Double(compressed) / Double(events)
        return result
    }

    /// Events per second of `body` over the stream, best of three.
    private func rate(_ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<3 {
            let elapsed = try clock.measure { try body() }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            best = min(best, seconds)
        }
        return Double(events) / best
    }

    /// The baseline: each event's time delta and address (or pointer/result) as varints, stored
    /// into a preallocated buffer reused per 64 Ki events; returns a checksum.
    static func bareLoop(_ records: [TraceRecord]) -> Int {
        let room = (1 << 16) * 24
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: room)
        defer { buffer.deallocate() }
        var n = 0, sum = 0, lastTime: UInt64 = 0
        records.withUnsafeBufferPointer { rs in
            for i in rs.indices {
                let r = rs[i]
                let value: UInt64
                switch r.event {
                case .access(let a): value = a.address.rawValue
                case .alloc(let a): value = a.pointer.rawValue ^ a.result.rawValue
                default: value = 0
                }
                n += store(r.time &- lastTime, buffer + n)
                n += store(value, buffer + n)
                lastTime = r.time
                if i & 0xFFFF == 0xFFFF { sum &+= n; n = 0 }
            }
        }
        return sum &+ n &+ Int(buffer[0])
    }

    @inline(__always) private static func store(_ v: UInt64, _ p: UnsafeMutablePointer<UInt8>) -> Int {
        var v = v, n = 0
        while v >= 0x80 { p[n] = UInt8(truncatingIfNeeded: v) | 0x80; v >>= 7; n += 1 }
        p[n] = UInt8(truncatingIfNeeded: v)
        return n + 1
    }

    /// The whole writer into memory; returns the bytes of blocks written.
    static func write(_ records: [TraceRecord], header: TraceHeader, level: Int, inBackground: Bool) throws -> Int {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: header, compressionLevel: level, inBackground: inBackground)
        for r in records { try writer.append(r) }
        try writer.close()
        return output.bytes.count
    }
}
