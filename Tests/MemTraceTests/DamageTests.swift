import Testing
import MemReplay
@testable import MemTrace

@Suite struct DamageTests {
    /// A bit flip anywhere in a block (header or payload) is reported at that block's offset.
    @Test func bitFlipsInBlocksNameTheBlock() throws {
        let trace = try randomTrace(seed: 21, count: 4_000, eventsPerBlock: 1_000)
        let offsets = blockOffsets(trace.bytes)
        #expect(offsets.count == 4)
        var rng = SplitMix64(seed: 22)
        for (index, start) in offsets.enumerated() {
            let end = index + 1 < offsets.count ? offsets[index + 1] : trace.bytes.count
            var positions = Array(start ..< start + 32)  // every header byte
            for _ in 0..<40 { positions.append(start + 32 + Int(rng.next() % UInt64(end - start - 32))) }
            for position in positions {
                var bytes = trace.bytes
                bytes[position] ^= UInt8(1) << (rng.next() % 8)
                do {
                    _ = try decodeAll(bytes)
                    Issue.record("flip at \(position) not detected")
                } catch let error as TraceError {
                    #expect(error.offset == UInt64(start), "flip at \(position): \(error)")
                    #expect(error.source == "t.mrt")
                    #expect(error.isBlockDamage)
                }
                // With salvage: exactly the events of the blocks before the damaged one.
                let (records, decoder) = try decodeAll(bytes, salvage: true)
                let before = offsets[..<index].reduce(0) { $0 + blockEventCount(trace.bytes, at: $1) }
                #expect(records == Array(trace.records[..<before]))
                #expect(decoder.damage?.offset == UInt64(start))
            }
        }
    }

    @Test func payloadChecksumMessage() throws {
        let trace = try randomTrace(seed: 23, count: 500)
        var bytes = trace.bytes
        let start = blockOffsets(bytes)[0]
        bytes[start + 40] ^= 0x10
        #expect {
            _ = try decodeAll(bytes)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("t.mrt: byte \(start): damaged block: payload checksum mismatch (expected 0x")
        }
    }

    @Test func truncationThrowsOrSalvagesCompleteBlocks() throws {
        let trace = try randomTrace(seed: 24, count: 5_000, eventsPerBlock: 1_000)
        let offsets = blockOffsets(trace.bytes)
        var rng = SplitMix64(seed: 25)
        var cuts = [offsets[2] + 1, offsets[2] + 31, offsets[2] + 32, offsets[3] - 1, trace.bytes.count - 1]
        for _ in 0..<20 { cuts.append(offsets[0] + 1 + Int(rng.next() % UInt64(trace.bytes.count - offsets[0] - 1))) }
        for cut in cuts where !offsets.contains(cut) {
            let bytes = Array(trace.bytes[..<cut])
            let damaged = offsets.last { $0 < cut }!
            #expect {
                _ = try decodeAll(bytes)
            } throws: { error in
                guard let e = error as? TraceError, case .truncatedBlock(let source, let offset, _, let found) = e
                else { return false }
                return source == "t.mrt" && offset == UInt64(damaged) && found == cut - damaged
            }
            let (records, decoder) = try decodeAll(bytes, salvage: true, chunk: { rng in Int(rng.next() % 3000) + 1 })
            let complete = offsets.filter { $0 < damaged }.reduce(0) { $0 + blockEventCount(trace.bytes, at: $1) }
            #expect(records == Array(trace.records[..<complete]))
            if case .truncatedBlock(_, let offset, _, _) = decoder.damage {
                #expect(offset == UInt64(damaged))
            } else {
                Issue.record("expected truncation damage, got \(String(describing: decoder.damage))")
            }
        }
        // Cutting exactly at a block boundary is a clean (shorter) trace.
        let (records, decoder) = try decodeAll(Array(trace.bytes[..<offsets[2]]))
        #expect(records == Array(trace.records[..<2_000]) && decoder.damage == nil)
    }

    @Test func truncatedFileWithTraceReader() throws {
        let trace = try randomTrace(seed: 26, count: 3_000, eventsPerBlock: 1_000)
        let dir = scratchDirectory()
        defer { removeTree(dir) }
        let path = dir + "/cut.mrt"
        let offsets = blockOffsets(trace.bytes)
        let cut = offsets[2] + 100
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = trace.bytes.withUnsafeBytes { write(fd, $0.baseAddress, cut) }
        close(fd)
        let strict = try TraceReader(path: path)
        #expect {
            while try strict.next() != nil {}
        } throws: { error in
            (error as? TraceError)?.description.hasPrefix("\(path): byte \(offsets[2]): truncated block") == true
        }
        let salvaging = try TraceReader(path: path, salvage: true)
        var n = 0
        while try salvaging.next() != nil { n += 1 }
        #expect(n == 2_000)
        #expect(salvaging.damage?.offset == UInt64(offsets[2]))
    }

    @Test func fileHeaderProblems() throws {
        let trace = try randomTrace(seed: 27, count: 100)
        var bad = trace.bytes
        bad[0] = UInt8(ascii: "X")
        #expect(throws: TraceError.notATrace(source: "t.mrt", offset: 0)) { _ = try decodeAll(bad) }
        #expect(throws: TraceError.notATrace(source: "t.mrt", offset: 0)) { _ = try decodeAll(Array("hello world, not a trace".utf8)) }
        var version = trace.bytes
        version[8] = 9
        #expect(throws: TraceError.unsupportedVersion(source: "t.mrt", offset: 8, version: 9)) { _ = try decodeAll(version) }
        // Version 1 (the allocation coding before HeapPointerCoder) is no longer read.
        version[8] = 1
        #expect(throws: TraceError.unsupportedVersion(source: "t.mrt", offset: 8, version: 1)) { _ = try decodeAll(version) }
        #expect(TraceError.unsupportedVersion(source: "t.mrt", offset: 8, version: 1).description
            == "t.mrt: byte 8: unsupported format version 1 (this build reads 2 to 5)")
        var header = trace.bytes
        header[20] ^= 0x01
        #expect {
            _ = try decodeAll(header)
        } throws: { error in
            "\(error)".hasPrefix("t.mrt: byte 14: damaged header: header checksum mismatch")
        }
        // Salvage does not help a broken header.
        #expect(throws: TraceError.self) { _ = try decodeAll(header, salvage: true) }
        #expect(throws: TraceError.self) { _ = try decodeAll(Array(trace.bytes[..<20])) }
        #expect(throws: TraceError.self) { _ = try decodeAll([]) }
        // A checksum-valid header that is not a TraceHeader.
        var forged = TraceFormat.magic + [UInt8(TraceFormat.version), 0]
        let json = Array("{\"x\":1}".utf8)
        forged += [UInt8(json.count), 0, 0, 0] + json
        let crc = CRC32C.checksum(json)
        forged += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        #expect {
            _ = try decodeAll(forged)
        } throws: { error in "\(error)".contains("damaged header") }
        // Missing file.
        #expect(throws: TraceError.self) { _ = try TraceReader(path: "/nonexistent/x.mrt") }
    }

    @Test func randomGarbageNeverCrashes() throws {
        var rng = SplitMix64(seed: 28)
        let valid = try randomTrace(seed: 29, count: 2_000, eventsPerBlock: 300)
        let prefix = Array(valid.bytes[..<blockOffsets(valid.bytes)[0]])
        for round in 0..<300 {
            let length = Int(rng.next() % 3000)
            var garbage = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if round % 3 == 0 { garbage = prefix + garbage }  // valid header, garbage blocks
            if round % 3 == 1 {  // a garbage block with a valid-looking header and checksums
                garbage = prefix + forgedBlock(payload: garbage, events: UInt32(rng.next() % 50))
            }
            for salvage in [false, true] {
                _ = try? decodeAll(garbage, salvage: salvage, chunk: { rng in Int(rng.next() % 700) + 1 }, seed: UInt64(round))
            }
        }
    }

    @Test func randomBitFlipsAnywhereNeverCrash() throws {
        let trace = try randomTrace(seed: 30, count: 3_000, eventsPerBlock: 400)
        var rng = SplitMix64(seed: 31)
        for _ in 0..<300 {
            var bytes = trace.bytes
            for _ in 0..<(1 + rng.next() % 4) {
                bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            }
            _ = try? decodeAll(bytes)
            let salvaged = try? decodeAll(bytes, salvage: true)
            if let salvaged { #expect(trace.records.starts(with: salvaged.records)) }
        }
    }

    /// Random raw records, zstd-compressed with correct checksums, reach the record decoder.
    @Test func forgedPayloadsReachTheRecordDecoderSafely() throws {
        let valid = try randomTrace(seed: 32, count: 10)
        let prefix = Array(valid.bytes[..<blockOffsets(valid.bytes)[0]])
        var rng = SplitMix64(seed: 33)
        var recordErrors = 0
        for _ in 0..<500 {
            var raw: [UInt8] = [0xF0, UInt8(rng.next() % 4), 1]
            for _ in 0..<Int(rng.next() % 40) {
                raw.append(rng.next() % 3 == 0 ? [0xF0, 0xF1, 0xF2, 0x88, 0x90, 0xA0, 0xB0, 0xB8][Int(rng.next() % 8)]
                                                : UInt8(truncatingIfNeeded: rng.next()))
            }
            let bytes = prefix + forgedBlock(payload: raw, events: UInt32(rng.next() % 30))
            do { _ = try decodeAll(bytes) } catch let error as TraceError {
                if case .badRecord = error { recordErrors += 1 }
                #expect(error.offset == UInt64(prefix.count) || error.isBlockDamage)
            }
        }
        #expect(recordErrors > 100)
    }
}

/// A block whose header and checksums are valid around an arbitrary raw payload.
func forgedBlock(payload: [UInt8], events: UInt32, sequence: UInt64 = 1) -> [UInt8] {
    let compressed = try! payload.withUnsafeBytes { try ZstdCompressor(level: 1).compress($0) }
    let header = BlockHeader(compressedLength: UInt32(compressed.count), uncompressedLength: UInt32(payload.count),
                             eventCount: events, firstSequence: sequence,
                             payloadChecksum: CRC32C.checksum(compressed))
    return header.encoded() + compressed
}

#if canImport(Glibc)
import Glibc
#endif
