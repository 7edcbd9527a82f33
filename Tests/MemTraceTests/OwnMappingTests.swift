import Testing
@testable import MemTrace

/// The recorder's list of its own mappings (`p<pid>-<gen>.own`): address and length words, the
/// length's top 16 bits carrying the flags the replayed VMA needs (Sources/CRecorder/recorder.h).
@Suite struct OwnMappingTests {
    static func record(_ address: UInt64, _ word: UInt64, into out: inout [UInt8]) {
        LittleEndian.append(address, to: &out)
        LittleEndian.append(word, to: &out)
    }

    @Test func flagBitsGiveMapNoReserveAndLeaveTheLength() {
        var raw: [UInt8] = []
        Self.record(0x7f00_0000_0000, 0x10_0000 | FaultMergeQueue.OwnMapping.noReserveBit, into: &raw)
        Self.record(0x7f00_0020_0000, 5000, into: &raw)
        let got = FaultMergeQueue.OwnMapping.parse(raw)
        #expect(got == [FaultMergeQueue.OwnMapping(start: 0x7f00_0000_0000, end: 0x7f00_0010_0000, flags: .noReserve),
                        FaultMergeQueue.OwnMapping(start: 0x7f00_0020_0000, end: 0x7f00_0020_2000, flags: [])])
    }

    /// A list written before the flags existed (top bits zero) reads as before: no flags; a record
    /// cut short by a process killed mid-write is left out.
    @Test func oldListsAndCutRecords() {
        var raw: [UInt8] = []
        Self.record(0x1000_0000, 1 << 20, into: &raw)
        raw += [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let got = FaultMergeQueue.OwnMapping.parse(raw)
        #expect(got == [FaultMergeQueue.OwnMapping(start: 0x1000_0000, end: 0x1010_0000, flags: [])])
        #expect(FaultMergeQueue.OwnMapping.parse([]).isEmpty)
    }
}
