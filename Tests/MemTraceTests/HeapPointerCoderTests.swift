import Testing
import MemReplay
@testable import MemTrace

@Suite struct HeapPointerCoderTests {
    private func record(_ call: AllocationCall, time: UInt64 = 10) -> TraceRecord {
        TraceRecord(time: time, pid: ProcessID(7), tid: ThreadID(7), event: .alloc(call))
    }

    /// Raw payload bytes of `records` encoded as one block.
    private func payload(_ records: [TraceRecord]) -> [UInt8] {
        var encoder = BlockEncoder()
        for r in records { encoder.encode(r) }
        return encoder.bytes
    }

    private func decode(_ payload: [UInt8], events: Int) -> Result<[TraceRecord], RecordFault> {
        decodePayload(payload, events: events)
    }

    @Test func sizeClassFollowsGlibcRequest2size() {
        #expect(HeapPointerCoder.sizeClass(0) == 32)
        #expect(HeapPointerCoder.sizeClass(24) == 32)
        #expect(HeapPointerCoder.sizeClass(25) == 48)
        #expect(HeapPointerCoder.sizeClass(128) == 144)
        #expect(HeapPointerCoder.sizeClass(UInt64.max) == UInt64.max)
    }

    /// A FIFO ring frees at a constant ordinal distance: every free after the first is the
    /// one-byte-plus-time repeat tag; LIFO reuse of the same class is candidate 0.
    @Test func ringFreesRepeatTheirDistanceAndReuseIsCandidateZero() throws {
        var records: [TraceRecord] = []
        var live: [UInt64] = []
        var top: UInt64 = 0x10_0000
        for _ in 0..<8 {
            live.append(top)
            records.append(record(AllocationCall(op: .malloc, size: 40, result: VirtualAddress(top))))
            top += 48
        }
        for _ in 0..<20 {
            let old = live.removeFirst()
            records.append(record(AllocationCall(op: .free, pointer: VirtualAddress(old))))
            records.append(record(AllocationCall(op: .malloc, size: 40, result: VirtualAddress(old))))
            live.append(old)
        }
        records.append(record(AllocationCall(op: .free)))
        let bytes = payload(records)
        let decoded = try decode(bytes, events: records.count).get()
        #expect(decoded == records)
        // Context (3 bytes); first malloc: tag, time, size, fresh operand 3 + 2·zigzag(0x100000);
        // then bump hits.
        var expected: [UInt8] = [0xF0, 7, 7, RecordTag.mallocOperand, 10, 40, 0x83, 0x80, 0x80, 0x02]
        for _ in 1..<8 { expected += [RecordTag.mallocFresh, 0, 40] }
        // First free: distance 8 (operand 16); later ones repeat it.
        expected += [RecordTag.freeOperand, 0, 16, RecordTag.mallocCandidate, 0, 40]
        for _ in 1..<20 { expected += [RecordTag.freeRepeat, 0, RecordTag.mallocCandidate, 0, 40] }
        expected += [RecordTag.freeNull, 0]
        #expect(bytes == expected)
    }

    /// realloc in place is result candidate 0; moving realloc frees the old block for reuse.
    @Test func reallocFormsRoundTrip() throws {
        let records = [
            record(AllocationCall(op: .malloc, size: 100, result: VirtualAddress(0x2000))),
            record(AllocationCall(op: .realloc, pointer: VirtualAddress(0x2000), size: 200, result: VirtualAddress(0x2000))),
            record(AllocationCall(op: .realloc, pointer: VirtualAddress(0x2000), size: 400, result: VirtualAddress(0x3000))),
            record(AllocationCall(op: .calloc, size: 50, count: 4, result: VirtualAddress(0x2000))),
            record(AllocationCall(op: .realloc, size: 8, result: VirtualAddress(0x4000))),
            record(AllocationCall(op: .free, pointer: VirtualAddress(0xDEAD_0000))),
            record(AllocationCall(op: .free, pointer: VirtualAddress(0xDEAD_0040))),
            record(AllocationCall(op: .malloc, size: 64, result: VirtualAddress(0xDEAD_0000))),
            record(AllocationCall(op: .malloc, size: 64, error: 12), time: 5),
            record(AllocationCall(op: .realloc, pointer: VirtualAddress(0x3000), size: 1 << 20, error: 12), time: 6),
            record(AllocationCall(op: .free, pointer: VirtualAddress(0x3000)), time: 7),
        ]
        let bytes = payload(records)
        #expect(try decode(bytes, events: records.count).get() == records)
        // In-place realloc: compact realloc tag, time, pointer operand distance 1 (2), size 200
        // (2 bytes), result candidate 0 (operand 2).
        #expect(Array(bytes[9..<15]) == [RecordTag.compactAlloc | AllocOp.realloc.rawValue, 0, 2, 0xC8, 0x01, 2])
    }

    /// Operands that name no allocation or free are record errors, never traps.
    @Test func operandsNamingNothingAreBadRecords() {
        let ctx: [UInt8] = [0xF0, 1, 1]
        let malloc: [UInt8] = [RecordTag.mallocOperand, 0, 16, 3]  // malloc(16) at nextFresh = 0 + 0: null
        let badCases: [[UInt8]] = [
            ctx + [RecordTag.freeRepeat, 0],                       // nothing allocated yet
            ctx + [RecordTag.freeOperand, 0, 2],                   // distance 1, nothing allocated
            ctx + [RecordTag.freeOperand, 0, 0x80, 0x80, 0x04],     // distance beyond the window
            ctx + [RecordTag.mallocCandidate, 0, 16],               // no recent frees
            ctx + [RecordTag.mallocCandidate + 7, 0, 16],
            ctx + [RecordTag.mallocOperand, 0, 16, 20],             // candidate 9 of none
            ctx + [RecordTag.mallocOperand, 0, 16, 1, 0],           // absolute null result
            ctx + malloc,                                           // fresh delta landing on 0
            ctx + [RecordTag.mallocOperand, 0, 16, 0x21, RecordTag.freeOperand, 0, 2, RecordTag.freeOperand, 0, 2],
            ctx + [RecordTag.mallocOperand, 0, 16, 0x21, RecordTag.freeOperand, 0, 4],  // distance 2 of 1
        ]
        for bytes in badCases {
            let result = decode(bytes, events: 10)
            #expect(throws: RecordFault.self, "\(bytes)") { try result.get() }
        }
        for tag: UInt8 in [0xC3, 0xC8, 0xCF, 0xDA, 0xDF] {
            #expect(throws: RecordFault.self) { try decode(ctx + [tag, 0, 16, 2], events: 1).get() }
        }
        // Every one-byte operand after a real allocation either decodes or is a record error.
        for u in 0..<256 {
            let bytes = ctx + [RecordTag.mallocOperand, 0, 16, 0x21] + [RecordTag.freeOperand, 0] + [UInt8(u), 0]
            _ = decode(bytes, events: 2)
            let realloc = ctx + [RecordTag.mallocOperand, 0, 16, 0x21, RecordTag.compactAlloc | 2, 0, 2, 16, UInt8(u)]
            _ = decode(realloc, events: 2)
        }
    }

    /// The window evicts deterministically: a block freed more than `window` allocations later is
    /// coded by delta, and the encoder's map stays bounded.
    @Test func windowStaysBoundedAndInvariantsHold() throws {
        var coder = HeapPointerCoder()
        var rng = SplitMix64(seed: 5)
        var live: [UInt64] = []
        var ordinalOf: [UInt64: UInt64] = [:]
        for i in 0..<20_000 {
            if !live.isEmpty && rng.next() % 3 == 0 {
                let j = Int(rng.next() % UInt64(live.count))
                let p = live.remove(at: j)
                _ = coder.encodePointer(p)
            } else {
                let p = 0x7000_0000 + UInt64(i) * 32
                live.append(p)
                ordinalOf[p] = coder.ordinal
                _ = coder.encodeResult(p, bytes: 24, old: 0)
            }
            if i % 997 == 0 { #expect(coder.checkInvariants()) }
        }
        #expect(coder.checkInvariants())
        let oldest = live[0], newest = live[live.count - 1]
        #expect(coder.ordinal - ordinalOf[oldest]! > UInt64(HeapPointerCoder.window))
        if case .distance = coder.encodePointer(oldest) { Issue.record("a pointer outside the window was coded by distance") }
        #expect(coder.encodePointer(newest) == .distance(coder.ordinal - ordinalOf[newest]!))
        // Round trip of the same shape through the writer, several blocks.
        var records: [TraceRecord] = []
        live.removeAll()
        var rng2 = SplitMix64(seed: 6)
        for i in 0..<12_000 {
            if !live.isEmpty && rng2.next() % 2 == 0 {
                let p = live.remove(at: Int(rng2.next() % UInt64(live.count)))
                records.append(record(AllocationCall(op: .free, pointer: VirtualAddress(p)), time: UInt64(i)))
            } else {
                let p = 0x7000_0000 + UInt64(i) * 32
                live.append(p)
                records.append(record(AllocationCall(op: .malloc, size: 24, result: VirtualAddress(p)), time: UInt64(i)))
            }
        }
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader(), eventsPerBlock: 5_000)
        for r in records { try writer.append(r) }
        try writer.close()
        #expect(try decodeAll(output.bytes).0 == records)
    }
}
