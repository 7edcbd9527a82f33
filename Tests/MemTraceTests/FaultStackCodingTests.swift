import Foundation
import Testing
import MemReplay
@testable import MemTrace

/// Stacks on fault-derived touches (format version 5): the `0xFE` touch-stack record, round trips
/// whole and a byte at a time, its cost, damage, version 4 traces, and the collector's stack spool.
@Suite struct FaultStackCodingTests {
    /// Two processes' threads touching pages from a few fault sites (some touches without a
    /// stack), among allocation calls with stacks of their own, across several blocks.
    static func touchTrace(inBackground: Bool = false) throws -> (bytes: [UInt8], records: [TraceRecord]) {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader(), eventsPerBlock: 700, inBackground: inBackground)
        let exe = writer.defineObject(path: "/usr/bin/prog", buildID: [1, 2], low: 0, high: 0x5000)
        let root = writer.defineStackNode(parent: .none, object: exe, offset: 0x11f1)
        let sites = (0..<4).map { writer.defineStackNode(parent: root, object: exe, offset: 0x12d1 + UInt64($0) * 32) }
        var records: [TraceRecord] = []
        var time: UInt64 = 500
        for i in 0..<4000 {
            time += 30 + UInt64(i % 5)
            let pid: UInt32 = i % 3 == 0 ? 9 : 8
            let tid: UInt32 = pid == 9 ? 9 : (i % 2 == 0 ? 8 : 11)
            let event: Event
            if i % 10 == 9 {
                event = .alloc(AllocationCall(op: .malloc, size: 32, result: VirtualAddress(0x5000_0000 + UInt64(i) * 48), stack: sites[0]))
            } else {
                let kind = AccessKind(rawValue: 4 + UInt8(i % 4))!
                let stack = i % 17 == 0 ? StackID.none : sites[(i / 50) % sites.count]
                event = .access(MemoryAccess(kind: kind, address: VirtualAddress(0x7f00_0000_0000 + UInt64(i) * 4096), size: 1, stack: stack))
            }
            let r = TraceRecord(time: time, pid: ProcessID(pid), tid: ThreadID(tid), event: event)
            try writer.append(r)
            records.append(r)
        }
        try writer.close()
        return (output.bytes, records)
    }

    @Test func touchStacksRoundTrip() throws {
        let trace = try Self.touchTrace()
        let (records, decoder) = try decodeAll(trace.bytes)
        #expect(records == trace.records)
        #expect(decoder.stacks.checkInvariants())
        #expect(trace.bytes[8] == 5)
    }

    @Test func touchStacksDecodeOneByteAtATime() throws {
        let trace = try Self.touchTrace()
        let (records, _) = try decodeAll(trace.bytes, chunk: { _ in 1 })
        #expect(records == trace.records)
    }

    @Test func backgroundEncoderWritesTheSameBytes() throws {
        #expect(try Self.touchTrace().bytes == Self.touchTrace(inBackground: true).bytes)
    }

    /// A run of touches from one site costs one `0xFE` record in all; a touch without a stack
    /// after one with a stack moves the register back.
    @Test func touchStackRecordLayout() throws {
        func encode(_ stacks: [StackID]) -> [UInt8] {
            var e = BlockEncoder()
            for (i, s) in stacks.enumerated() {
                e.encode(TraceRecord(time: 10 + UInt64(i), pid: ProcessID(1), tid: ThreadID(1),
                                     event: .access(MemoryAccess(kind: .touchStore, address: VirtualAddress(0x10000 + UInt64(i) * 4096), size: 1, stack: s))))
            }
            return e.bytes
        }
        let plain = encode(Array(repeating: .none, count: 100))
        let stacked = encode(Array(repeating: StackID(7), count: 100))
        #expect(stacked.count == plain.count + 2)
        #expect(Array(stacked[3...4]) == [0xFE, 14])        // zigzag(+7)
        let alternating = encode([StackID(7), .none, StackID(7)])
        #expect(alternating.filter { $0 == 0xFE }.count == 3)
        let records = (0..<3).map { i in
            TraceRecord(time: 10 + UInt64(i), pid: ProcessID(1), tid: ThreadID(1),
                        event: .access(MemoryAccess(kind: .touchStore, address: VirtualAddress(0x10000 + UInt64(i) * 4096), size: 1,
                                                    stack: i == 1 ? .none : StackID(7))))
        }
        #expect(try decodePayload(alternating, events: 3).get() == records)
    }

    /// A touch-stack record without a thread context, or one that moves the id below 0 or past
    /// 2^32 − 1, is a `badRecord` naming the block offset.
    @Test func badTouchStackRecordsAreErrors() throws {
        let cases: [([UInt8], String)] = [
            ([0xFE, 2], "event before any thread context"),
            ([0xF0, 1, 1, 0xFE, 3], "touch stack id out of range"),                           // −2 from 0
            ([0xF0, 1, 1, 0xFE, 0xFE, 0xFF, 0xFF, 0xFF, 0x3F], "touch stack id out of range"),  // a large negative delta
            ([0xF0, 1, 1, 0xFE], "block offset"),                                              // cut inside the delta
        ]
        for (bytes, expected) in cases {
            switch decodePayload(bytes, events: 0) {
            case .success: Issue.record("\(bytes) decoded")
            case .failure(let f): #expect(f.detail.contains(expected), "\(bytes): \(f.detail)")
            }
        }
    }

    /// A cut inside a block of touches with stacks is reported; salvage keeps the blocks before it.
    @Test func truncatedTouchStackTraceIsReportedAndSalvaged() throws {
        let trace = try Self.touchTrace()
        try expectCutInThirdBlockSalvages(trace.bytes, trace.records)
    }

    /// Version 4 traces (touches without stacks) still read, their touches with `.none`.
    @Test func versionFourStillReads() throws {
        let trace = try randomTrace(seed: 23, count: 2000)
        var bytes = trace.bytes
        bytes[8] = 4; bytes[9] = 0
        let (records, _) = try decodeAll(bytes)
        #expect(records == trace.records)
        #expect(TraceFormat.version == 5 && TraceFormat.readableVersions == 2...5)
    }

    /// The collector's stack spool: records round trip, a thread's repeated record is written as a
    /// repeat and reads back as the same record, and damage names its offset.
    @Test func stackSpoolRoundTripsAndRepeats() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fss-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("faults.spool.stacks").path
        let w = try FaultStackSpoolWriter(path: path)
        let stack: [UInt8] = (0..<64).map { UInt8($0) }
        w.append(kind: 0, tid: 5, words: [0x401000, 0x401200], bytes: nil, count: 0)
        stack.withUnsafeBytes { w.append(kind: 1, tid: 6, words: [0x401010, 0x7ffc_0000, 0x7ffc_0100], bytes: $0.baseAddress, count: 64) }
        stack.withUnsafeBytes { w.append(kind: 1, tid: 6, words: [0x401010, 0x7ffc_0000, 0x7ffc_0100], bytes: $0.baseAddress, count: 64) }
        w.append(kind: 0, tid: 5, words: [0x401000, 0x401200], bytes: nil, count: 0)
        w.append(kind: 0, tid: 5, words: [0x401004, 0x401200], bytes: nil, count: 0)
        try w.close()
        #expect(w.records == 5 && w.repeats == 2)
        let spool = try FaultStackSpool.read(path: path)
        #expect(spool.recordOf == [0, 1, 1, 0, 2])
        #expect(spool.records[0] == .callchain([0x401000, 0x401200]))
        #expect(spool.records[1] == .userStack(ip: 0x401010, sp: 0x7ffc_0000, bp: 0x7ffc_0100, stack: stack))
        let bytes = try #require(PerfFaultCollector.readBytes(path))
        // 16-byte header + 16-byte chain; 16 + 24 + 64; then 3 repeats/records.
        #expect(bytes.count == 32 + 104 + 16 + 16 + 32)
        func failure(_ b: [UInt8]) -> String {
            do { _ = try FaultStackSpool.parse(b, source: "s"); return "" } catch { return "\(error)" }
        }
        #expect(failure(Array(bytes.prefix(10))).contains("inside a record header"))
        #expect(failure(Array(bytes.prefix(50))).contains("runs past the end"))
        var kind = bytes; kind[0] = 9
        #expect(failure(kind).contains("kind 9"))
        var orphan = bytes; orphan[0] = 2; orphan[8] = 0
        #expect(failure(orphan).contains("no earlier record"))
        // Samples are numbered in spool order; more samples with a stack than records is an error.
        var samples = [FaultSample(time: 1, address: 0x1000, pid: 1, tid: 5, direction: .write, hasStack: true),
                       FaultSample(time: 2, address: 0x2000, pid: 1, tid: 5, direction: .write),
                       FaultSample(time: 3, address: 0x3000, pid: 1, tid: 6, direction: .read, hasStack: true)]
        try FaultStackSpool.number(&samples, records: 5, source: "s")
        #expect(samples.map(\.stackRecord) == [0, -1, 1])
        #expect(throws: TraceError.self) { try FaultStackSpool.number(&samples, records: 1, source: "s") }
    }

    /// The spool form of a sample keeps its has-stack flag.
    @Test func faultSampleKeepsItsStackFlag() {
        let s = FaultSample(time: 9, address: 0x7000, pid: 3, tid: 4, direction: .write, inKernel: true, hasStack: true)
        var bytes = [UInt8](repeating: 0xAA, count: FaultSample.encodedSize)
        bytes.withUnsafeMutableBytes { s.encode(to: $0.baseAddress!) }
        let back = bytes.withUnsafeBytes { FaultSample.decode($0.baseAddress!) }
        #expect(back == s)
        #expect(back?.hasStack == true && back?.inKernel == true)
    }
}
