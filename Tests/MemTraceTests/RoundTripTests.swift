import Testing
import MemReplay
@testable import MemTrace

@Suite struct RoundTripTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func randomStreamsRoundTrip(seed: UInt64) throws {
        let trace = try randomTrace(seed: seed, count: 20_000, eventsPerBlock: 3_000)
        let (records, decoder) = try decodeAll(trace.bytes)
        #expect(records.count == trace.records.count)
        #expect(records == trace.records)
        #expect(decoder.header == testHeader())
        #expect(decoder.damage == nil)
        #expect(decoder.blocks == 7)
        #expect(decoder.strings.count == trace.strings.count)
        for (i, text) in trace.strings.enumerated() { #expect(decoder.strings[StringID(UInt32(i + 1))] == text) }
    }

    @Test func everyOperationOfEveryFamilyIsCovered() throws {
        let trace = try randomTrace(seed: 4, count: 5_000)
        let kinds = Set(trace.records.map(\.event.kind))
        #expect(kinds == Set(EventKind.allCases))
        let (records, _) = try decodeAll(trace.bytes)
        #expect(records == trace.records)
    }

    /// Compact and general allocation forms, pointer-cache hits, deltas and absolute escapes.
    @Test func allocationFormsRoundTrip() throws {
        var rng = SplitMix64(seed: 13)
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader(), eventsPerBlock: 5_000)
        var recent: [UInt64] = []
        var expected: [TraceRecord] = []
        var time: UInt64 = 0
        for _ in 0..<30_000 {
            let pointer: UInt64
            switch rng.next() % 5 {
            case 0 where !recent.isEmpty: pointer = recent[Int(rng.next() % UInt64(recent.count))]
            case 1: pointer = randomU64(&rng)
            default: pointer = 0x5500_0000_0000 &+ (rng.next() % 100_000) * 16
            }
            recent.append(pointer)
            if recent.count > 100 { recent.removeFirst() }
            time = rng.next() % 20 == 0 ? time &- rng.next() % 100 : time &+ rng.next() % 200
            let op = AllocOp.allCases[Int(rng.next() % UInt64(AllocOp.allCases.count))]
            var call: AllocationCall
            switch rng.next() % 3 {
            case 0: call = AllocationCall(op: .free, pointer: VirtualAddress(pointer))
            case 1: call = AllocationCall(op: .malloc, size: rng.next() % 5000, result: VirtualAddress(pointer))
            default:
                call = AllocationCall(op: op, pointer: VirtualAddress(recent[0]), size: randomU64(&rng) % 3,
                                      count: rng.next() % 2, alignment: rng.next() % 2 == 0 ? 0 : 64,
                                      result: VirtualAddress(pointer), error: rng.next() % 10 == 0 ? 12 : 0)
            }
            let record = TraceRecord(time: time, pid: ProcessID(1), tid: ThreadID(UInt32(1 + rng.next() % 2)),
                                     event: .alloc(call))
            try writer.append(record)
            expected.append(record)
        }
        try writer.close()
        let (records, _) = try decodeAll(output.bytes)
        #expect(records == expected)
    }

    @Test func oneByteAtATime() throws {
        let trace = try randomTrace(seed: 5, count: 3_000, eventsPerBlock: 500)
        let (records, decoder) = try decodeAll(trace.bytes, chunk: { _ in 1 })
        #expect(records == trace.records)
        #expect(decoder.blocks == 6)
    }

    @Test(arguments: [UInt64(6), 7])
    func randomChunkSizes(seed: UInt64) throws {
        let trace = try randomTrace(seed: seed, count: 10_000, eventsPerBlock: 777)
        let (records, decoder) = try decodeAll(trace.bytes, chunk: { rng in Int(rng.next() % 5000) + 1 }, seed: seed)
        #expect(records == trace.records)
        #expect(decoder.compressedBytes + UInt64(blockOffsets(trace.bytes)[0]) == UInt64(trace.bytes.count))
    }

    @Test func emptyTraceHasHeaderOnly() throws {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader())
        try writer.close()
        #expect(output.isClosed)
        let (records, decoder) = try decodeAll(output.bytes)
        #expect(records.isEmpty && decoder.blocks == 0 && decoder.header == testHeader())
        #expect(Array(output.bytes.prefix(8)) == TraceFormat.magic)
    }

    @Test func headerIsDeterministicSortedJSON() throws {
        let a = try TraceWriter.encodeFileHeader(testHeader())
        let b = try TraceWriter.encodeFileHeader(testHeader())
        #expect(a == b)
        let json = String(decoding: a[14 ..< a.count - 4], as: UTF8.self)
        let attributes = try #require(json.firstRange(of: "\"attributes\"")).lowerBound
        let producer = try #require(json.firstRange(of: "\"producer\"")).lowerBound
        #expect(attributes < producer)
    }

    @Test func stringsAreDeduplicatedAndPrecedeUse() throws {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader(), eventsPerBlock: 2)
        let a = writer.defineString("/lib/a.so")
        let b = writer.defineString("phase 1")
        #expect(writer.defineString("/lib/a.so") == a)
        #expect(a == StringID(1) && b == StringID(2))
        for i in 0..<5 {
            try writer.append(TraceRecord(time: UInt64(i), pid: ProcessID(1), tid: ThreadID(1),
                                          event: .control(ControlEvent(op: .phase, name: b))))
        }
        let c = writer.defineString("late")  // defined after the last event: still written by close()
        try writer.close()
        var decoder = TraceStreamDecoder()
        try decoder.feed(output.bytes)
        var seen = 0
        while let r = try decoder.next() {
            if case .control(let e) = r.event { #expect(decoder.strings[e.name] == "phase 1") }
            seen += 1
        }
        try decoder.finish()
        #expect(seen == 5)
        #expect(decoder.strings[c] == "late" && decoder.strings.count == 3)
    }

    @Test func accessesInheritThreadTimeAndRecordSizesAreReported() throws {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader())
        let t1 = TraceRecord(time: 500, pid: ProcessID(1), tid: ThreadID(1),
                             event: .alloc(AllocationCall(op: .malloc, size: 32, result: VirtualAddress(0x1000))))
        try writer.append(t1)
        for i in 0..<10 {
            try writer.append(TraceRecord(time: 500, pid: ProcessID(1), tid: ThreadID(1),
                event: .access(MemoryAccess(kind: .store, address: VirtualAddress(0x1000 + UInt64(i) * 8), size: 8))))
        }
        try writer.close()
        var decoder = TraceStreamDecoder()
        try decoder.feed(output.bytes)
        var sizes: [Int] = []
        while let r = try decoder.next() {
            #expect(r.time == 500)
            sizes.append(decoder.lastRecordSize)
        }
        // Compact malloc: tag, time (2), size, result operand (3: fresh delta 0x1000 from 0); first
        // store: tag + 2-byte delta, second: new stride (tag + 1), then repeats of the stride.
        #expect(sizes == [7, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1])
    }

    @Test func traceReaderReadsFilesInChunks() throws {
        let dir = scratchDirectory()
        defer { removeTree(dir) }
        let path = dir + "/big.mrt"
        let writer = try TraceWriter(path: path, header: testHeader(), compressionLevel: 1, eventsPerBlock: 4096)
        var rng = SplitMix64(seed: 11)
        var expected: [TraceRecord] = []
        for i in 0..<300_000 {
            // Incompressible addresses so the file spans several 1 MiB reads.
            let r = TraceRecord(time: UInt64(i / 10), pid: ProcessID(7), tid: ThreadID(UInt32(7 + i % 3)),
                                event: .access(MemoryAccess(kind: .load, address: VirtualAddress(rng.next()), size: 4)))
            try writer.append(r)
            expected.append(r)
        }
        try writer.close()
        let reader = try TraceReader(path: path)
        #expect(reader.header == testHeader())
        #expect(reader.fileSize > 2 << 20)
        var got: [TraceRecord] = []
        got.reserveCapacity(expected.count)
        while let r = try reader.next() { got.append(r) }
        #expect(got == expected)
        #expect(reader.damage == nil && reader.blocks == (300_000 + 4095) / 4096)
        #expect(reader.compressedBytes < reader.fileSize && reader.rawBytes > 0)
        #expect(try reader.next() == nil)
    }

    @Test func copiesOfADecoderAreIndependent() throws {
        let trace = try randomTrace(seed: 12, count: 2_000, eventsPerBlock: 100)
        var a = TraceStreamDecoder()
        try a.feed(trace.bytes)
        var got: [TraceRecord] = []
        for _ in 0..<150 { got.append(try #require(try a.next())) }
        var b = a
        var fromB: [TraceRecord] = []
        while let r = try b.next() { fromB.append(r) }
        while let r = try a.next() { got.append(r) }
        #expect(got == trace.records)
        #expect(Array(got[150...]) == fromB)
    }
}
