import Testing
import MemReplay
@testable import MemTrace

/// Call stacks in the trace (format version 4): object and stack-node definitions, the stack id of
/// allocation events, their round trips whole and a byte at a time, their cost, and damage.
@Suite struct StackCodingTests {
    /// Two threads of two processes allocating from a few call sites (compact and general
    /// allocation records, frees with and without a stack), with stacks defined as they appear,
    /// across several blocks.
    static func stackTrace(inBackground: Bool = false) throws -> (bytes: [UInt8], records: [TraceRecord], stacks: StackTable) {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader(), eventsPerBlock: 1000, inBackground: inBackground)
        var expected = StackTable()
        let exe = writer.defineObject(path: "/usr/bin/prog", buildID: [0xde, 0xad, 0xbe, 0xef], low: 0, high: 0x5000)
        let libc = writer.defineObject(path: "/lib/x86_64-linux-gnu/libc.so.6", buildID: Array(repeating: 7, count: 20), low: 0, high: 0x1d0000)
        #expect(writer.defineObject(path: "/usr/bin/prog", buildID: [0xde, 0xad, 0xbe, 0xef], low: 0, high: 0x5000) == exe)
        expected.append(StackObject(id: exe, path: "/usr/bin/prog", buildID: [0xde, 0xad, 0xbe, 0xef], low: 0, high: 0x5000))
        expected.append(StackObject(id: libc, path: "/lib/x86_64-linux-gnu/libc.so.6", buildID: Array(repeating: 7, count: 20), low: 0, high: 0x1d0000))
        func node(_ parent: StackID, _ object: ObjectID, _ offset: UInt64) -> StackID {
            let id = writer.defineStackNode(parent: parent, object: object, offset: offset)
            if expected.node(id) == nil { expected.append(StackNode(id: id, parent: parent, object: object, offset: offset)) }
            return id
        }
        let start = node(.none, libc, 0x2724a)
        let main = node(start, exe, 0x11e1)
        var records: [TraceRecord] = []
        var time: UInt64 = 1000
        var sites: [StackID] = []
        for i in 0..<5000 {
            time += 40 + UInt64(i % 7)
            let pid: UInt32 = i % 5 == 0 ? 9 : 8
            let tid: UInt32 = pid == 9 ? 9 : (i % 3 == 0 ? 8 : 10)
            if i % 500 == 0 { sites.append(node(main, exe, 0x1300 + UInt64(sites.count) * 16)) }
            let site = sites[(i / 3) % sites.count]
            let event: Event
            switch i % 4 {
            case 0: event = .alloc(AllocationCall(op: .malloc, size: 64, result: VirtualAddress(0x5000_0000 + UInt64(i) * 80), stack: site))
            case 1: event = .alloc(AllocationCall(op: .free, pointer: VirtualAddress(0x5000_0000 + UInt64(i - 1) * 80), stack: i % 8 == 1 ? .none : site))
            case 2: event = .alloc(AllocationCall(op: .calloc, size: 8, count: 4, result: VirtualAddress(0x6000_0000 + UInt64(i) * 64), stack: site))
            default: event = .alloc(AllocationCall(op: .malloc, size: 0, result: .null, error: 12, stack: main))  // general record
            }
            let r = TraceRecord(time: time, pid: ProcessID(pid), tid: ThreadID(tid), event: event)
            try writer.append(r)
            records.append(r)
            if i % 1000 == 999 {
                let m = TraceRecord(time: time, pid: ProcessID(pid), tid: ThreadID(tid),
                                    event: .memory(MemoryCall(op: .munmap, address: VirtualAddress(0x7000_0000), length: 4096)))
                try writer.append(m)
                records.append(m)
            }
        }
        try writer.close()
        #expect(expected.checkInvariants())
        return (output.bytes, records, expected)
    }

    @Test func stacksRoundTrip() throws {
        let trace = try StackCodingTests.stackTrace()
        let (records, decoder) = try decodeAll(trace.bytes)
        #expect(records == trace.records)
        #expect(decoder.stacks == trace.stacks)
        #expect(decoder.stacks.checkInvariants())
        #expect(decoder.damage == nil)
        #expect(decoder.stacks.object(ObjectID(1))?.buildIDHex == "deadbeef")
    }

    @Test func stacksRoundTripThroughTheBackgroundEncoder() throws {
        let a = try StackCodingTests.stackTrace(), b = try StackCodingTests.stackTrace(inBackground: true)
        #expect(a.bytes == b.bytes)
    }

    @Test func stacksDecodeOneByteAtATime() throws {
        let trace = try StackCodingTests.stackTrace()
        let (records, decoder) = try decodeAll(trace.bytes, chunk: { _ in 1 })
        #expect(records == trace.records)
        #expect(decoder.stacks == trace.stacks)
    }

    @Test func framesWalkToTheRootInnermostFirst() throws {
        let trace = try StackCodingTests.stackTrace()
        let site = StackID(3)
        let frames = trace.stacks.frames(of: site)
        #expect(frames.map(\.offset) == [0x1300, 0x11e1, 0x2724a])
        #expect(frames.map { StackCensus.describe($0, in: trace.stacks) } == ["prog+0x1300", "prog+0x11e1", "libc.so.6+0x2724a"])
        #expect(trace.stacks.frames(of: .none).isEmpty)
    }

    /// The stack record costs nothing when every allocation of a thread keeps its stack, and a few
    /// bytes when stacks alternate.
    @Test func stackRecordLayout() throws {
        var e = BlockEncoder()
        let r1 = TraceRecord(time: 10, pid: ProcessID(1), tid: ThreadID(1),
                             event: .alloc(AllocationCall(op: .malloc, size: 16, result: VirtualAddress(0x1000), stack: StackID(5))))
        let r2 = TraceRecord(time: 12, pid: ProcessID(1), tid: ThreadID(1),
                             event: .alloc(AllocationCall(op: .malloc, size: 16, result: VirtualAddress(0x1020), stack: StackID(5))))
        let r3 = TraceRecord(time: 15, pid: ProcessID(1), tid: ThreadID(1),
                             event: .alloc(AllocationCall(op: .free, pointer: VirtualAddress(0x1000), stack: StackID(3))))
        e.encode(r1); e.encode(r2); e.encode(r3)
        // context; 0xF3 +5; malloc fresh (0xD9: first result absolute); malloc fresh 0xD8; 0xF3 −2; free by distance.
        #expect(Array(e.bytes.prefix(4)) == [0xF0, 1, 1, 0xF3])
        #expect(e.bytes[4] == 10)
        #expect(e.bytes.filter { $0 == 0xF3 }.count >= 2)
        #expect(try decodePayload(e.bytes, events: 3).get() == [r1, r2, r3])
    }

    /// A definition that names an undefined parent or object, or comes out of order, is a
    /// `badRecord` naming the block offset.
    @Test func badDefinitionsAreErrors() throws {
        func payload(_ body: [UInt8]) -> [UInt8] { body }
        let cases: [([UInt8], String)] = [
            ([0xFD, 2, 0, 0, 5], "out of order"),                  // node 2 first
            ([0xFD, 1, 1, 0, 5], "parent"),                        // parent 1 = itself
            ([0xFD, 1, 0, 3, 5], "object 3"),                      // no object 3
            ([0xFC, 1, 0, 16, 2, 1], "build-id"),                  // build-id runs past the end
            ([0xFC, 1, 0, 16, 0, 2, 0xC3, 0x28], "UTF-8"),         // invalid UTF-8 path
            ([0xFC, 2, 0, 16, 0, 1, 0x41], "out of order"),        // object 2 first
            ([0xF3, 1], "event before any thread context"),        // stack record without a context
        ]
        for (bytes, expected) in cases {
            switch decodePayload(payload(bytes), events: 0) {
            case .success: Issue.record("\(bytes) decoded")
            case .failure(let f): #expect(f.detail.contains(expected), "\(f.detail)")
            }
        }
        // Well-formed definitions decode.
        #expect((try? decodePayload([0xFC, 1, 0, 16, 1, 9, 1, 0x41, 0xFD, 1, 0, 1, 5, 0xFD, 2, 1, 0, 0x77], events: 0).get()) == [])
    }

    /// A cut inside the definitions is reported; salvage keeps the whole blocks before it.
    @Test func truncatedStackTraceIsReportedAndSalvaged() throws {
        let trace = try StackCodingTests.stackTrace()
        try expectCutInThirdBlockSalvages(trace.bytes, trace.records)
    }

    /// Version 3 traces (no stacks) still read.
    @Test func versionThreeStillReads() throws {
        let trace = try randomTrace(seed: 17, count: 2000)
        var bytes = trace.bytes
        bytes[8] = 3; bytes[9] = 0
        let (records, _) = try decodeAll(bytes)
        #expect(records == trace.records)
        #expect(TraceFormat.readableVersions.contains(3))
    }

    @Test func censusCountsCallsBytesAndDepth() throws {
        let trace = try StackCodingTests.stackTrace()
        var census = StackCensus()
        for r in trace.records { census.add(r.event) }
        #expect(census.allocationCalls == 5000)
        #expect(census.callsWithStack == 5000 - 625)        // the frees at i % 8 == 1 have none
        let top = census.top(1, by: .calls)
        #expect(top.first?.stack == StackID(2))              // `main`: every fourth call
        #expect(top.first?.calls == 1250)
        #expect(census.top(1, by: .bytes).first.map { $0.bytes > 0 } == true)
        #expect(census.maxDepth(trace.stacks) == 3)
        #expect(census.meanDepth(trace.stacks) > 2 && census.meanDepth(trace.stacks) < 3)
        #expect(census.meanFaultDepth(trace.stacks) == 0)
    }

    /// Fault-derived touches: the mean depth is over the touches with a stack, weighted by count.
    @Test func censusMeanFaultDepth() throws {
        let trace = try StackCodingTests.stackTrace()
        var used = Set<StackID>()
        for r in trace.records { if case .alloc(let a) = r.event, a.stack != .none { used.insert(a.stack) } }
        let stacks = used.sorted()
        var census = StackCensus()
        let deep = try #require(stacks.max { trace.stacks.depth(of: $0) < trace.stacks.depth(of: $1) })
        let shallow = try #require(stacks.min { trace.stacks.depth(of: $0) < trace.stacks.depth(of: $1) })
        for (stack, n) in [(deep, 3), (shallow, 1), (StackID.none, 5)] {
            for _ in 0..<n { census.add(.access(MemoryAccess(kind: .touchStore, address: VirtualAddress(0x1000), size: 1, stack: stack))) }
        }
        #expect(census.touches == 9 && census.touchesWithStack == 4)
        let expected = Double(3 * trace.stacks.depth(of: deep) + trace.stacks.depth(of: shallow)) / 4
        #expect(census.meanFaultDepth(trace.stacks) == expected)
        #expect(trace.stacks.depth(of: deep) > trace.stacks.depth(of: shallow))
    }
}
