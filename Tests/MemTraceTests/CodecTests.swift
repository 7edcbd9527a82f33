import Testing
import MemReplay
@testable import MemTrace

@Suite struct CodecTests {
    @Test func crc32cKnownVector() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // Slicing path and byte path agree: checksum in two pieces equals checksum at once.
        var rng = SplitMix64(seed: 9)
        let data = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let whole = CRC32C.checksum(data)
        let first = CRC32C.checksum(Array(data[..<333]))
        let both = Array(data[333...]).withUnsafeBytes { CRC32C.checksum($0, seed: first) }
        #expect(whole == both)
    }

    /// The CPU instruction's checksum equals the tables' for every length 0‥64 at every alignment
    /// 0‥7, with seeds, and for a large buffer.
    @Test func crc32cHardwareMatchesTables() {
        var rng = SplitMix64(seed: 31)
        let data = (0..<(1 << 20) + 13).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        data.withUnsafeBytes { all in
            for offset in 0..<8 {
                for length in 0...64 {
                    let part = UnsafeRawBufferPointer(rebasing: all[offset..<offset + length])
                    #expect(CRC32C.checksum(part) == CRC32C.tableChecksum(part), "offset \(offset) length \(length)")
                    #expect(CRC32C.checksum(part, seed: 0xDEAD_BEEF) == CRC32C.tableChecksum(part, seed: 0xDEAD_BEEF))
                }
            }
            #expect(CRC32C.checksum(all) == CRC32C.tableChecksum(all))
        }
        Array("123456789".utf8).withUnsafeBytes { #expect(CRC32C.tableChecksum($0) == 0xE306_9283) }
    }

    @Test func zigzagAndVarintLengths() {
        for v: Int64 in [0, -1, 1, -2, 2, Int64.min, Int64.max, 123_456_789, -987_654_321] {
            #expect(Varint.unzigzag(Varint.zigzag(v)) == v)
        }
        #expect(Varint.zigzag(-1) == 1 && Varint.zigzag(1) == 2)
        for v: UInt64 in [0, 1, 127, 128, 16383, 16384, UInt64.max, 1 << 63] {
            var out: [UInt8] = []
            Varint.append(v, to: &out)
            #expect(out.count == Varint.length(v))
        }
        #expect(Varint.length(UInt64.max) == 10)
    }

    @Test func stringTableLookup() {
        var table = StringTable()
        #expect(table[.none] == nil)
        let a = table.append("alpha")
        let b = table.append("beta")
        #expect(a == StringID(1) && b == StringID(2))
        #expect(table[a] == "alpha" && table[b] == "beta" && table[StringID(3)] == nil && table.count == 2)
    }

    @Test func errorDescriptionsNameSourceAndOffset() {
        #expect(TraceError.notATrace(source: "t.mrt", offset: 0).description
            == "t.mrt: byte 0: not a memreplay trace (bad magic)")
        #expect(TraceError.truncatedBlock(source: "t.mrt", offset: 99, expected: 4096, found: 17).description
            == "t.mrt: byte 99: truncated block: expected 4096 bytes, found 17")
        #expect(TraceError.unsupportedVersion(source: "x", offset: 8, version: 9).description
            == "x: byte 8: unsupported format version 9 (this build reads 2 to 5)")
        #expect(TraceError.damagedBlock(source: "t.mrt", offset: 1234, detail: "d").offset == 1234)
    }

    /// Hand-built payloads exercise the decoder's guards directly.
    @Test func malformedRecordsAreErrorsNotTraps() throws {
        func decode(_ payload: [UInt8], events: Int) -> Result<[TraceRecord], RecordFault> { decodePayload(payload, events: events) }
        let ctx: [UInt8] = [0xF0, 1, 1]
        // A valid access: load, size 8, absolute address 0x10.
        let ok = decode(ctx + [0b0_00_011_10, 0x10], events: 1)
        #expect((try? ok.get())?.first?.event == .access(MemoryAccess(kind: .load, address: VirtualAddress(0x10), size: 8)))
        // Address mode 3 is reserved.
        #expect(throws: RecordFault.self) { try decode(ctx + [0b0_00_011_11], events: 1).get() }
        // Unknown tags.
        for tag: UInt8 in [0x80, 0x87, 0x8F, 0xBC, 0xEF, 0xFF] {  // 0xFE is the touch-stack record since version 5
            #expect(throws: RecordFault.self) { try decode(ctx + [tag, 0, 0], events: 1).get() }
        }
        // Access before any context.
        #expect(throws: RecordFault.self) { try decode([0b0_00_011_10, 0x10], events: 1).get() }
        // More events than declared.
        #expect(throws: RecordFault.self) { try decode(ctx + [0x0C, 0x0C], events: 1).get() }
        // Varint overflow (11 bytes) and overlong zero group.
        #expect(throws: RecordFault.self) {
            try decode(ctx + [0b0_00_011_10] + [UInt8](repeating: 0x80, count: 10) + [1], events: 1).get()
        }
        #expect(throws: RecordFault.self) { try decode(ctx + [0b0_00_011_10, 0x80, 0x00], events: 1).get() }
        #expect(throws: RecordFault.self) {
            try decode(ctx + [0b0_00_011_10] + [UInt8](repeating: 0xFF, count: 9) + [0x02], events: 1).get()
        }
        // Truncated varint at the end of the payload.
        #expect(throws: RecordFault.self) { try decode(ctx + [0b0_00_011_10, 0x80], events: 1).get() }
        // Pid that does not fit 32 bits.
        #expect(throws: RecordFault.self) { try decode([0xF0, 0x80, 0x80, 0x80, 0x80, 0x10, 1], events: 0).get() }
        // Unknown presence bits (alloc has six fields).
        #expect(throws: RecordFault.self) { try decode(ctx + [0x80 | 16, 0, 0x40], events: 1).get() }
        // Exit status out of Int32 range.
        #expect(throws: RecordFault.self) {
            try decode(ctx + [0x80 | 11, 0, 8, 0x80, 0x80, 0x80, 0x80, 0x10], events: 1).get()
        }
        // Strings: out of order id, length past end, invalid UTF-8.
        #expect(throws: RecordFault.self) { try decode([0xF1, 2, 1, 0x41], events: 0).get() }
        #expect(throws: RecordFault.self) { try decode([0xF1, 1, 5, 0x41], events: 0).get() }
        #expect(throws: RecordFault.self) { try decode([0xF1, 1, 1, 0xC0], events: 0).get() }
        #expect((try? decode([0xF1, 1, 1, 0x41], events: 0).get())?.isEmpty == true)
    }
}
