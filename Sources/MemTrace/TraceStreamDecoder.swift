#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Push decoder: accepts input in pieces of any size (down to one byte at a time) with bounded
/// memory (one block).
///
/// Feed bytes with `feed(_:)`, then call `next()` until it returns nil, and repeat; at the end of
/// the input call `finish()`. The file header is parsed as soon as it is complete (`header`).
/// Without `salvage` any damage is thrown as a `TraceError`; with `salvage` decoding stops at the
/// first damaged or truncated block, `damage` says why, and `next()` returns nil from then on.
public struct TraceStreamDecoder {
    /// The name used in error messages.
    public let source: String
    /// Whether damage ends decoding quietly (`damage`) instead of throwing.
    public let salvage: Bool

    /// The file header, once it has been read.
    public private(set) var header: TraceHeader?
    /// With salvage: the damage that stopped decoding.
    public private(set) var damage: TraceError?
    /// Compressed bytes of the blocks loaded so far, block headers included.
    public private(set) var compressedBytes: UInt64 = 0
    /// Raw (decompressed) payload bytes of the blocks loaded so far.
    public private(set) var rawBytes: UInt64 = 0
    /// Blocks loaded so far.
    public private(set) var blocks = 0

    /// The strings defined so far.
    public var strings: StringTable { block.strings }
    /// The objects and stack nodes defined so far.
    public var stacks: StackTable { block.stacks }
    /// Raw encoded bytes of the last event returned (for per-kind size statistics).
    public var lastRecordSize: Int { block.lastRecordSize }

    private var block = BlockDecoder()
    private var raw = RawBuffer()
    private let decompressor = ZstdDecompressor()
    /// Input not consumed yet: `input[inputPos...]`; `input[0]` is at stream offset `inputBase`.
    private var input: [UInt8] = []
    private var inputPos = 0
    private var inputBase: UInt64 = 0
    private var phase = Phase.header
    /// Stream offset of the block being decoded.
    private var blockOffset: UInt64 = 0
    private var blockActive = false
    private var nextSequence: UInt64 = 1
    private var ended = false

    private enum Phase { case header, blocks, stopped, failed(TraceError) }

    /// The most header bytes accepted (a larger length field means damage).
    static let maxHeaderLength = 64 << 20
    /// Bytes before the header JSON: magic, version, length.
    static let prefixLength = 14

    /// `source` names the file in error messages.
    public init(salvage: Bool = false, source: String = "<stream>") {
        self.salvage = salvage
        self.source = source
    }

    /// Adds input bytes (parses the file header as soon as it is complete).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws {
        switch phase {
        case .stopped: return
        case .failed(let error): throw error
        case .header, .blocks: break
        }
        if inputPos > 0 && (inputPos == input.count || inputPos >= 1 << 16) {
            input.removeSubrange(0..<inputPos)
            inputBase += UInt64(inputPos)
            inputPos = 0
        }
        input.append(contentsOf: bytes)
        if case .header = phase { try parseHeader() }
    }

    /// Adds input bytes.
    public mutating func feed(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try feed($0) }
    }

    /// The next event, or nil when no complete record is buffered yet (or decoding has ended).
    public mutating func next() throws -> TraceRecord? {
        while true {
            if block.hasBytes {
                do throws(RecordFault) {
                    if let record = try block.next(raw.base) { return record }
                } catch {
                    return try fail(.badRecord(source: source, offset: blockOffset, detail: error.detail))
                }
            }
            if blockActive {
                blockActive = false
                if block.eventsLeft != 0 {
                    return try fail(.damagedBlock(source: source, offset: blockOffset, detail:
                        "block header declares \(block.eventsLeft) more events than its payload holds"))
                }
            }
            switch phase {
            case .blocks: break
            case .failed(let error): throw error
            case .header, .stopped: return nil
            }
            guard try loadBlock() else { return nil }
        }
    }

    /// Marks the end of the input: throws if a partial header or block remains (with salvage,
    /// a partial block is recorded in `damage` instead, once the complete blocks are decoded).
    public mutating func finish() throws {
        ended = true
        switch phase {
        case .header:
            let have = input.count - inputPos
            let need = have < TraceStreamDecoder.prefixLength ? TraceStreamDecoder.prefixLength
                : TraceStreamDecoder.prefixLength + Int(headerLength()) + 4
            throw TraceError.truncatedHeader(source: source, offset: 0, expected: need, found: have)
        case .failed(let error): throw error
        case .stopped: return
        case .blocks: break
        }
        if salvage {
            // Records damage now when only the incomplete block is left.
            if !block.hasBytes && !blockActive { _ = try loadBlock() }
            return
        }
        // Walk the complete blocks still buffered; the input must end at a block boundary.
        var offset = inputPos
        while offset < input.count {
            let have = input.count - offset
            let at = inputBase + UInt64(offset)
            guard have >= BlockHeader.size else {
                throw TraceError.truncatedBlock(source: source, offset: at, expected: BlockHeader.size, found: have)
            }
            let header = input.withUnsafeBytes { bytes in
                try? BlockHeader.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
            guard let header else { return }  // damage: next() reports it
            let total = BlockHeader.size + Int(header.compressedLength)
            guard have >= total else {
                throw TraceError.truncatedBlock(source: source, offset: at, expected: total, found: have)
            }
            offset += total
        }
    }

    // MARK: Framing

    private func headerLength() -> UInt32 {
        input.withUnsafeBytes { LittleEndian.read(UInt32.self, $0, at: 10) }
    }

    private mutating func parseHeader() throws {
        let have = input.count
        let magic = TraceFormat.magic
        for i in 0..<min(have, magic.count) where input[i] != magic[i] {
            throw TraceError.notATrace(source: source, offset: 0)
        }
        guard have >= TraceStreamDecoder.prefixLength else { return }
        let version = input.withUnsafeBytes { LittleEndian.read(UInt16.self, $0, at: 8) }
        guard TraceFormat.readableVersions.contains(Int(version)) else {
            throw TraceError.unsupportedVersion(source: source, offset: 8, version: Int(version))
        }
        let length = Int(headerLength())
        guard length <= TraceStreamDecoder.maxHeaderLength else {
            throw TraceError.damagedHeader(source: source, offset: 10, detail: "header length \(length) is too large")
        }
        let total = TraceStreamDecoder.prefixLength + length + 4
        guard have >= total else { return }
        let json = Array(input[TraceStreamDecoder.prefixLength ..< TraceStreamDecoder.prefixLength + length])
        let stored = input.withUnsafeBytes { LittleEndian.read(UInt32.self, $0, at: total - 4) }
        let computed = CRC32C.checksum(json)
        guard stored == computed else {
            throw TraceError.damagedHeader(source: source, offset: UInt64(TraceStreamDecoder.prefixLength),
                detail: "header checksum mismatch (expected \(hex32(stored)), found \(hex32(computed)))")
        }
        do {
            header = try JSONDecoder().decode(TraceHeader.self, from: Data(json))
        } catch {
            throw TraceError.damagedHeader(source: source, offset: UInt64(TraceStreamDecoder.prefixLength),
                                           detail: "header is not a valid trace header (\(error))")
        }
        inputPos = total
        phase = .blocks
    }

    /// Loads the next complete block into the record decoder; false when it is not all buffered.
    private mutating func loadBlock() throws -> Bool {
        let have = input.count - inputPos
        let at = inputBase + UInt64(inputPos)
        if have == 0 { return false }
        guard have >= BlockHeader.size else {
            if ended { _ = try fail(.truncatedBlock(source: source, offset: at, expected: BlockHeader.size, found: have)) }
            return false
        }
        let start = inputPos
        let parsed = input.withUnsafeBytes { bytes in
            Result { () throws(BlockHeader.Problem) in
                try BlockHeader.parse(UnsafeRawBufferPointer(rebasing: bytes[start...]))
            }
        }
        let header: BlockHeader
        switch parsed {
        case .success(let h): header = h
        case .failure(.badMagic):
            _ = try fail(.damagedBlock(source: source, offset: at, detail: "bad block magic"))
            return false
        case .failure(.checksum(let expected, let found)):
            _ = try fail(.damagedBlock(source: source, offset: at, detail:
                "block header checksum mismatch (expected \(hex32(expected)), found \(hex32(found)))"))
            return false
        }
        let compressed = Int(header.compressedLength), uncompressed = Int(header.uncompressedLength)
        guard compressed <= BlockHeader.maxPayload, uncompressed <= BlockHeader.maxPayload else {
            _ = try fail(.damagedBlock(source: source, offset: at, detail: "block length exceeds the limit"))
            return false
        }
        guard header.firstSequence == nextSequence else {
            _ = try fail(.damagedBlock(source: source, offset: at, detail:
                "block starts at event \(header.firstSequence), expected \(nextSequence)"))
            return false
        }
        let total = BlockHeader.size + compressed
        guard have >= total else {
            if ended { _ = try fail(.truncatedBlock(source: source, offset: at, expected: total, found: have)) }
            return false
        }
        if !isKnownUniquelyReferenced(&raw) { raw = RawBuffer(capacity: raw.capacity) }
        raw.reserve(uncompressed + BlockDecoder.padding)
        let outcome: Result<Int, TraceError> = input.withUnsafeBytes { bytes in
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(start + BlockHeader.size) ..< (start + total)])
            let crc = CRC32C.checksum(payload)
            guard crc == header.payloadChecksum else {
                return .failure(.damagedBlock(source: source, offset: at, detail:
                    "payload checksum mismatch (expected \(hex32(header.payloadChecksum)), found \(hex32(crc)))"))
            }
            do throws(ZstdFailure) {
                let n = try decompressor.decompress(payload, into: UnsafeMutableRawBufferPointer(
                    start: UnsafeMutableRawPointer(raw.base), count: uncompressed))
                return .success(n)
            } catch {
                return .failure(.damagedBlock(source: source, offset: at, detail: error.message))
            }
        }
        let produced: Int
        switch outcome {
        case .success(let n): produced = n
        case .failure(let error):
            _ = try fail(error)
            return false
        }
        guard produced == uncompressed else {
            _ = try fail(.damagedBlock(source: source, offset: at, detail:
                "payload decompresses to \(produced) bytes, header says \(uncompressed)"))
            return false
        }
        (raw.base + uncompressed).update(repeating: 0xFF, count: BlockDecoder.padding)
        block.begin(length: uncompressed, events: Int(header.eventCount))
        blockActive = true
        blockOffset = at
        inputPos += total
        nextSequence = header.firstSequence &+ UInt64(header.eventCount)
        compressedBytes += UInt64(total)
        rawBytes += UInt64(uncompressed)
        blocks += 1
        return true
    }

    /// Stops decoding at `error`: records it as `damage` with salvage, throws it otherwise.
    private mutating func fail(_ error: TraceError) throws -> TraceRecord? {
        block.begin(length: 0, events: 0)
        blockActive = false
        input = []
        inputPos = 0
        if salvage {
            damage = error
            phase = .stopped
            return nil
        }
        phase = .failed(error)
        throw error
    }
}

/// A growable byte buffer for decompressed payloads, shared copy-on-write between decoder copies.
final class RawBuffer {
    /// Read once per event by the decoder: no dynamic exclusivity check (one thread uses a buffer).
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private(set) var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `count` bytes (the contents are not kept).
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        base.deallocate()
        capacity = max(count, capacity * 2)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }
}
