import Testing
import MemReplay
@testable import MemTrace

/// The encoder's pointer-written buffer, its hand-over between threads and the background
/// writer's batches: the same bytes as the plain forms, at every boundary.
@Suite struct EncoderBufferTests {
    /// Varints stored through a pointer equal the appended ones at every length boundary.
    @Test func storedVarintsMatchAppendedOnesAtEveryBoundary() {
        var values: [UInt64] = [0, 1, UInt64.max, UInt64.max - 1]
        for bits in stride(from: 7, through: 63, by: 7) {
            let edge = UInt64(1) << UInt64(bits)
            values += [edge - 1, edge, edge + 1]
        }
        values.append(1 << 63)
        let room = UnsafeMutablePointer<UInt8>.allocate(capacity: Varint.maxLength)
        defer { room.deallocate() }
        for v in values {
            var appended: [UInt8] = []
            Varint.append(v, to: &appended)
            let n = Varint.store(v, at: room)
            #expect(n == Varint.length(v), "length of \(v)")
            #expect(Array(UnsafeBufferPointer(start: room, count: n)) == appended, "bytes of \(v)")
        }
    }

    /// Random events of six threads (every event family, strings of up to 100 KB among them)
    /// written into a 64-byte block that must grow many times: the same payload as a roomy
    /// block, and it decodes back to the events.
    @Test func growingBlockWritesTheSamePayload() throws {
        var rng = SplitMix64(seed: 21)
        var small = BlockEncoder(capacity: 64)
        var roomy = BlockEncoder(capacity: 1 << 22)
        var records: [TraceRecord] = []
        var ids: [StringID] = []
        for i in 0..<20_000 {
            if i % 997 == 5 {
                let id = StringID(UInt32(ids.count + 1))
                let text = String(repeating: "s", count: Int(rng.next() % 100_000)) + "✓"
                small.defineString(id, text)
                roomy.defineString(id, text)
                ids.append(id)
            }
            let t = UInt32(rng.next() % 6)
            let r = TraceRecord(time: UInt64(i) * 100, pid: ProcessID(t / 2 + 1), tid: ThreadID(t + 1),
                                event: randomEvent(&rng, strings: ids))
            small.encode(r)
            roomy.encode(r)
            records.append(r)
        }
        #expect(small.byteCount == roomy.byteCount)
        #expect(small.bytes == roomy.bytes)
        #expect(small.eventCount == records.count)
        // Strings are codec records the payload decoder skips; the events come back.
        #expect(try decodePayload(small.bytes, events: records.count).get() == records)
    }

    /// `take` hands over the block with its length and event count and continues from a clean
    /// state: the next block is what a fresh encoder would write.
    @Test func takeHandsOverAndContinuesInAFreshBlock() throws {
        var rng = SplitMix64(seed: 22)
        let first = (0..<500).map { i in
            TraceRecord(time: UInt64(i), pid: ProcessID(1), tid: ThreadID(UInt32(1 + i % 3)), event: randomEvent(&rng, strings: []))
        }
        let second = (0..<700).map { i in
            TraceRecord(time: UInt64(i), pid: ProcessID(2), tid: ThreadID(UInt32(1 + i % 2)), event: randomEvent(&rng, strings: []))
        }
        var encoder = BlockEncoder(capacity: 128)
        var fresh = BlockEncoder()
        for r in first { encoder.encode(r) }
        let expected = encoder.bytes
        let block = encoder.take(continuingIn: RawBlock(capacity: 64))
        #expect(block.count == expected.count && block.events == first.count)
        #expect(Array(block.payload) == expected)
        #expect(encoder.byteCount == 0 && encoder.eventCount == 0)
        for r in second { encoder.encode(r); fresh.encode(r) }
        #expect(encoder.bytes == fresh.bytes)
        #expect(try decodePayload(encoder.bytes, events: second.count).get() == second)
    }

    /// The background writer with strings defined exactly at and around its batch boundaries
    /// (2,048 events), at the very end, small blocks (so several compressors finish out of
    /// order) and a last partial batch: the same file as the caller's-thread writer, decoding to
    /// the events written.
    @Test func batchBoundariesAndManyBlocksWriteTheSameFile() throws {
        func write(inBackground: Bool) throws -> (bytes: [UInt8], records: [TraceRecord]) {
            let output = MemoryTraceOutput()
            let writer = try TraceWriter(output: output, header: testHeader(), compressionLevel: 1,
                                         eventsPerBlock: 777, inBackground: inBackground)
            var rng = SplitMix64(seed: 23)
            var ids: [StringID] = []
            var records: [TraceRecord] = []
            let boundaries: Set<Int> = [0, 2047, 2048, 2049, 4096, 6143, 10_000]
            for i in 0..<10_001 {
                if boundaries.contains(i) { ids.append(writer.defineString("name-\(i)")) }
                let t = UInt32(rng.next() % 4)
                let r = TraceRecord(time: UInt64(i) * 50, pid: ProcessID(t + 1), tid: ThreadID(t + 10),
                                    event: randomEvent(&rng, strings: ids))
                try writer.append(r)
                records.append(r)
            }
            _ = writer.defineString("after-the-last-event")
            try writer.close()
            #expect(writer.eventCount == UInt64(records.count))
            #expect(writer.bytesWritten == UInt64(output.bytes.count))
            return (output.bytes, records)
        }
        let inline = try write(inBackground: false)
        let background = try write(inBackground: true)
        #expect(inline.bytes == background.bytes)
        let (decoded, decoder) = try decodeAll(background.bytes)
        #expect(decoded == background.records)
        #expect(decoder.strings.count == 8)
    }

    /// An output that fails after some blocks: the background writer reports the failure from
    /// `append` or `close` (never hangs, never crashes) and refuses further events.
    @Test func backgroundWriteFailureIsReported() throws {
        let output = FailingOutput(limit: 4096)
        let writer = try TraceWriter(output: output, header: testHeader(), compressionLevel: 1,
                                     eventsPerBlock: 100, inBackground: true)
        var rng = SplitMix64(seed: 24)
        var failed = false
        do {
            for i in 0..<200_000 {
                try writer.append(TraceRecord(time: UInt64(i), pid: ProcessID(1), tid: ThreadID(1),
                                              event: randomEvent(&rng, strings: [])))
            }
            try writer.close()
        } catch let error as TraceError {
            failed = true
            #expect("\(error)".contains("disk full"))
        }
        #expect(failed)
        #expect(throws: TraceError.self) {
            try writer.append(TraceRecord(time: 0, pid: ProcessID(1), tid: ThreadID(1),
                                          event: .access(MemoryAccess(kind: .load, address: VirtualAddress(8), size: 8))))
        }
        writer.abandon()
    }
}

/// A trace output that accepts `limit` bytes, then fails every write.
private final class FailingOutput: TraceOutput {
    let limit: Int
    private(set) var count = 0
    init(limit: Int) { self.limit = limit }
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard count + bytes.count <= limit else {
            throw TraceError.io(source: "failing", offset: UInt64(count), detail: "disk full")
        }
        count += bytes.count
    }
    func close() throws {}
}
