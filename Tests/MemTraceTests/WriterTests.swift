import Testing
@testable import MemTrace

@Suite struct WriterTests {
    private func record(_ i: Int) -> TraceRecord {
        TraceRecord(time: UInt64(i), pid: ProcessID(1), tid: ThreadID(1),
                    event: .access(MemoryAccess(kind: .load, address: VirtualAddress(UInt64(i) * 8), size: 8)))
    }

    @Test func finalPathAppearsOnlyAtClose() throws {
        let dir = scratchDirectory()
        defer { removeTree(dir) }
        let path = dir + "/out.mrt"
        let writer = try TraceWriter(path: path, header: testHeader(), eventsPerBlock: 100)
        for i in 0..<1_000 { try writer.append(record(i)) }
        #expect(!fileExists(path))
        let entries = directoryEntries(dir)
        #expect(entries.count == 1 && entries[0].hasPrefix(".out.mrt.") && entries[0].hasSuffix(".tmp"))
        try writer.close()
        #expect(fileExists(path))
        #expect(directoryEntries(dir) == ["out.mrt"])
        let reader = try TraceReader(path: path)
        var n = 0
        while let r = try reader.next() { #expect(r == record(n)); n += 1 }
        #expect(n == 1_000)
        #expect(UInt64(reader.fileSize) == writer.bytesWritten)
        #expect(throws: TraceError.self) { try writer.append(record(0)) }
    }

    @Test func abandonLeavesNothing() throws {
        let dir = scratchDirectory()
        defer { removeTree(dir) }
        let path = dir + "/gone.mrt"
        let writer = try TraceWriter(path: path, header: testHeader(), eventsPerBlock: 10)
        for i in 0..<100 { try writer.append(record(i)) }
        writer.abandon()
        #expect(directoryEntries(dir).isEmpty)
        #expect(throws: TraceError.self) { try writer.close() }
        #expect(!fileExists(path))
    }

    @Test func droppingAnUnclosedWriterAbandons() throws {
        let dir = scratchDirectory()
        defer { removeTree(dir) }
        do {
            let writer = try TraceWriter(path: dir + "/dropped.mrt", header: testHeader())
            try writer.append(record(1))
        }
        #expect(directoryEntries(dir).isEmpty)
    }

    @Test func closeReplacesAnExistingFileAtomically() throws {
        let dir = scratchDirectory()
        defer { removeTree(dir) }
        let path = dir + "/same.mrt"
        for round in 0..<2 {
            let writer = try TraceWriter(path: path, header: testHeader("round\(round)"))
            try writer.append(record(round))
            try writer.close()
        }
        #expect(try TraceReader(path: path).header.producer == "round1")
        #expect(directoryEntries(dir) == ["same.mrt"])
    }

    @Test func unwritableDirectoryThrows() {
        #expect(throws: TraceError.self) {
            _ = try TraceWriter(path: "/nonexistent-dir-\(getpid())/x.mrt", header: testHeader())
        }
    }

    @Test func blocksHoldAtMostEventsPerBlock() throws {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader(), eventsPerBlock: 64)
        for i in 0..<1_000 { try writer.append(record(i)) }
        try writer.close()
        let offsets = blockOffsets(output.bytes)
        #expect(offsets.count == 16)
        #expect(offsets.map { blockEventCount(output.bytes, at: $0) }.allSatisfy { $0 <= 64 })
    }
}

#if canImport(Glibc)
import Glibc
#endif
