/// The fixed 32-byte block header.
///
/// Layout (little-endian): magic "MRTB", compressed length u32, uncompressed length u32, event
/// count u32, first sequence number u64, payload CRC-32C u32, CRC-32C of the preceding 28 bytes u32.
struct BlockHeader: Equatable {
    static let size = 32
    static let magic: [UInt8] = Array("MRTB".utf8)
    /// Largest payload (compressed or not) a reader accepts; writers stay far below it.
    static let maxPayload = 1 << 28

    var compressedLength: UInt32
    var uncompressedLength: UInt32
    var eventCount: UInt32
    var firstSequence: UInt64
    var payloadChecksum: UInt32

    /// The 32 header bytes.
    func encoded() -> [UInt8] {
        var out = BlockHeader.magic
        out.reserveCapacity(BlockHeader.size)
        LittleEndian.append(compressedLength, to: &out)
        LittleEndian.append(uncompressedLength, to: &out)
        LittleEndian.append(eventCount, to: &out)
        LittleEndian.append(firstSequence, to: &out)
        LittleEndian.append(payloadChecksum, to: &out)
        LittleEndian.append(CRC32C.checksum(out), to: &out)
        return out
    }

    /// Why a block header is unusable.
    enum Problem: Error { case badMagic, checksum(expected: UInt32, found: UInt32) }

    /// Parses and checks the 32 bytes at the start of `bytes` (the caller checks there are 32).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> BlockHeader {
        for i in 0..<4 where bytes[i] != magic[i] { throw .badMagic }
        let stored = LittleEndian.read(UInt32.self, bytes, at: 28)
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<28]))
        guard stored == computed else { throw .checksum(expected: stored, found: computed) }
        return BlockHeader(
            compressedLength: LittleEndian.read(UInt32.self, bytes, at: 4),
            uncompressedLength: LittleEndian.read(UInt32.self, bytes, at: 8),
            eventCount: LittleEndian.read(UInt32.self, bytes, at: 12),
            firstSequence: LittleEndian.read(UInt64.self, bytes, at: 16),
            payloadChecksum: LittleEndian.read(UInt32.self, bytes, at: 24))
    }
}
