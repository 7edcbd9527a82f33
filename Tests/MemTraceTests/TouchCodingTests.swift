import Testing
import MemReplay
@testable import MemTrace

/// Fault-derived touches (`record --accesses faults`) in the trace: their records, round trips
/// whole and a byte at a time, their size, and damage inside them.
@Suite struct TouchCodingTests {
    /// Sequential first writes of a 64 MiB buffer by two interleaved threads, a COW pass, some
    /// read and fetch faults, with other events between them.
    static func faultLikeTrace() throws -> (bytes: [UInt8], records: [TraceRecord]) {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader(), eventsPerBlock: 4096)
        var records: [TraceRecord] = []
        var time: UInt64 = 1_000_000
        func add(_ r: TraceRecord) throws { try writer.append(r); records.append(r) }
        try add(TraceRecord(time: time, pid: ProcessID(7), tid: ThreadID(7),
                            event: .memory(MemoryCall(op: .mmap, address: VirtualAddress(0), length: 64 << 20, result: 0x7f00_0000_0000))))
        for page in 0..<UInt64(16_384) {
            time += 250 + page % 3   // a fault every ~250 ns, jittered
            let tid: UInt32 = page % 1024 < 512 ? 7 : 8
            try add(TraceRecord(time: time, pid: ProcessID(7), tid: ThreadID(tid),
                                event: .access(MemoryAccess(kind: .touchStore, address: VirtualAddress(0x7f00_0000_0000 + page << 12), size: 1))))
        }
        for (i, kind) in [AccessKind.touchLoad, .touchFetch, .touchAny, .touchLoad].enumerated() {
            time += 10_000
            try add(TraceRecord(time: time, pid: ProcessID(7), tid: ThreadID(7),
                                event: .access(MemoryAccess(kind: kind, address: VirtualAddress(0x5555_0000_1234 + UInt64(i) * 0x3000), size: 1))))
        }
        // A touch whose time goes backwards (another CPU's sample stamped earlier).
        try add(TraceRecord(time: time - 500, pid: ProcessID(7), tid: ThreadID(7),
                            event: .access(MemoryAccess(kind: .touchStore, address: VirtualAddress(0x7ffd_0000_0ff8), size: 1))))
        try writer.close()
        return (output.bytes, records)
    }

    @Test func touchesRoundTrip() throws {
        let trace = try TouchCodingTests.faultLikeTrace()
        let (records, decoder) = try decodeAll(trace.bytes)
        #expect(records == trace.records)
        #expect(decoder.damage == nil)
    }

    @Test func touchesDecodeOneByteAtATime() throws {
        let trace = try TouchCodingTests.faultLikeTrace()
        let (records, _) = try decodeAll(trace.bytes, chunk: { _ in 1 })
        #expect(records == trace.records)
    }

    /// Issue 11: fault-derived events cost at most 2 bytes each in the trace.
    @Test func sequentialTouchesCostUnderTwoBytes() throws {
        let trace = try TouchCodingTests.faultLikeTrace()
        let perEvent = Double(trace.bytes.count) / Double(trace.records.count)
        #expect(perEvent <= 2.0, "\(perEvent) bytes per touch")
    }

    /// A cut inside a block of touches is an error naming the offset; salvage keeps the blocks before it.
    @Test func truncatedTouchBlockIsReportedAndSalvaged() throws {
        let trace = try TouchCodingTests.faultLikeTrace()
        try expectCutInThirdBlockSalvages(trace.bytes, trace.records)
    }

    /// The raw record forms: a full touch (tag, time delta, address delta) and the repeat form.
    @Test func touchRecordLayout() throws {
        var e = BlockEncoder()
        let r1 = TraceRecord(time: 10, pid: ProcessID(1), tid: ThreadID(1),
                             event: .access(MemoryAccess(kind: .touchStore, address: VirtualAddress(0x1000), size: 1)))
        let r2 = TraceRecord(time: 12, pid: ProcessID(1), tid: ThreadID(1),
                             event: .access(MemoryAccess(kind: .touchStore, address: VirtualAddress(0x2000), size: 1)))
        let r3 = TraceRecord(time: 15, pid: ProcessID(1), tid: ThreadID(1),
                             event: .access(MemoryAccess(kind: .touchLoad, address: VirtualAddress(0x3000), size: 1)))
        e.encode(r1); e.encode(r2); e.encode(r3)
        // context(1,1); 0xF5 time 10, zigzag(0x1000); then the same 0x1000 step twice: repeat
        // forms 0xF9 (store) and 0xF8 (load) with their time deltas only.
        #expect(e.bytes == [0xF0, 1, 1, 0xF5, 10, 0x80, 0x40, 0xF9, 2, 0xF8, 3])
        #expect(try decodePayload(e.bytes, events: 3).get() == [r1, r2, r3])
    }

    @Test func touchKindsAreNamedAndClassified() {
        #expect(AccessKind.touchStore.writes && !AccessKind.touchLoad.writes)
        #expect(AccessKind.touchFetch.fetches && AccessKind.instruction.fetches && !AccessKind.touchAny.fetches)
        #expect(AccessKind.allCases.filter(\.isTouch) == [.touchLoad, .touchStore, .touchFetch, .touchAny])
        #expect(EventKind(rawValue: EventKind.accessBase + AccessKind.touchAny.rawValue)?.name == "touch_any")
    }
}
