import MemTrace
import MemReplay

/// Measures `.mrt` decoding speed and encoded size on synthetic streams built in memory.
///
/// Builds an access stream of `events` events with realistic locality (a loop of instruction
/// fetches around sequential scans, fixed strides, stack traffic and pointer chasing over a
/// 4096-node pool revisited in the same order) and a malloc/free stream of `events / 4` events,
/// encodes both with `TraceWriter` into a `MemoryTraceOutput`, and times a full decode of the
/// access stream with `TraceStreamDecoder` (best of three runs).
/// - Returns: decoded access events per second, and compressed bytes per event of each stream
///   (block headers included, file header excluded).
public func decodeBenchmark(events: Int) -> (eventsPerSecond: Double, bytesPerAccessEvent: Double,
                                             bytesPerAllocEvent: Double) {
    let events = max(events, 1)
    let header = TraceHeader(producer: "memreplay-bench", producerVersion: "1", commandLine: ["decode-benchmark"])
    var access = LocalityStream(seed: 1)
    let accessBytes = benchEncode(header: header, count: events) { access.next() }
    var malloc = MallocStream(seed: 2)
    let allocCount = max(events / 4, 1)
    let allocBytes = benchEncode(header: header, count: allocCount) { malloc.next() }

    var best = Double.infinity
    for _ in 0..<3 {
        let clock = ContinuousClock()
        var decoded = 0
        var checksum: UInt64 = 0
        let elapsed = clock.measure {
            var decoder = TraceStreamDecoder(source: "<bench>")
            do {
                try decoder.feed(accessBytes.bytes)
                while let record = try decoder.next() {
                    decoded += 1
                    if case .access(let a) = record.event { checksum &+= a.address.rawValue }
                }
                try decoder.finish()
            } catch {
                fatalError("benchmark stream failed to decode: \(error)")
            }
        }
        precondition(decoded == events && checksum != 0, "benchmark decoded \(decoded) of \(events) events")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = min(best, seconds)
    }
    return (Double(events) / best,
            Double(accessBytes.blockBytes) / Double(events),
            Double(allocBytes.blockBytes) / Double(allocCount))
}

/// Encodes `count` records into memory; returns the file bytes and the bytes after the file header.
private func benchEncode(header: TraceHeader, count: Int, _ next: () -> TraceRecord)
    -> (bytes: [UInt8], blockBytes: Int)
{
    let output = MemoryTraceOutput()
    do {
        let headerOnly = MemoryTraceOutput()
        try TraceWriter(output: headerOnly, header: header).close()
        let writer = try TraceWriter(output: output, header: header)
        for _ in 0..<count { try writer.append(next()) }
        try writer.close()
        return (output.bytes, output.bytes.count - headerOnly.bytes.count)
    } catch {
        fatalError("benchmark stream failed to encode: \(error)")
    }
}
