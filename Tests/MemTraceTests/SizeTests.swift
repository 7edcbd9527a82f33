import Testing
import MemReplay
@testable import MemTrace

@Suite struct SizeTests {
    /// Encodes `count` records of `next` and checks they decode back; returns bytes per event.
    private func bytesPerEvent(count: Int, _ next: () -> TraceRecord) throws -> Double {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader())
        var check = TraceStreamDecoder()
        var firstBlock: [TraceRecord] = []
        for i in 0..<count {
            let r = next()
            if i < 1 << 16 { firstBlock.append(r) }
            try writer.append(r)
        }
        try writer.close()
        try check.feed(output.bytes)
        var decoded = 0
        var head: [TraceRecord] = []
        while let r = try check.next() {
            if decoded < firstBlock.count { head.append(r) }
            decoded += 1
        }
        try check.finish()
        #expect(decoded == count)
        #expect(head == firstBlock)
        let headerBytes = blockOffsets(output.bytes)[0]
        return Double(output.bytes.count - headerBytes) / Double(count)
    }

    @Test func localityAccessStreamUnderOneBytePerEvent() throws {
        var stream = LocalityStream(seed: 1)
        let size = try bytesPerEvent(count: 1_000_000) { stream.next() }
        #expect(size <= 1.0, "access stream: \(size) bytes/event")
    }

    /// Was 2.89 bytes/event with the 64-slot MRU pointer cache of format version 1; 2.52 now.
    @Test func mallocStreamUnderTwoAndAHalfBytesPerEvent() throws {
        var stream = MallocStream(seed: 2)
        let size = try bytesPerEvent(count: 1_000_000) { stream.next() }
        print("malloc stream: \(size) bytes/event")
        #expect(size <= 2.6, "malloc stream: \(size) bytes/event")
    }

    /// Issue 7: at most 2 bytes per allocation event with every address kept, on churn.c's shape.
    @Test func churnRingUnderTwoBytesPerEvent() throws {
        var stream = ChurnStream()
        let size = try bytesPerEvent(count: 1_000_000) { stream.next() }
        print("churn stream: \(size) bytes/event")
        #expect(size <= 2.0, "churn stream: \(size) bytes/event")
    }
}
