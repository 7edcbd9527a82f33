import Foundation
import Testing
@testable import MemTrace

/// Raw recordings (`record --convert later`): a recording directory packed into one file, converted
/// by its first reader into exactly the trace the directory converts to; damage named by file,
/// offset and member, with nothing half-written.
@Suite(.serialized)
struct RawRecordingTests {
    typealias Records = RecordingFollowerTests.Records
    typealias SegmentFile = RecordingFollowerTests.SegmentFile

    /// A recording directory: a root (pid 100) with two threads that forks pid 101, which is
    /// killed before it ends its stream; a clock file, the recorder's own mappings of the root, and
    /// a stray file of another tool that is not packed. `plain`: the segments as the interposer
    /// writes them now (uncompressed, an end chunk), else zstd streams as it wrote them before.
    func recordingDirectory(plain: Bool = false) throws -> String {
        let dir = scratchDirectory()
        let root = SegmentFile(dir, pid: 100, plain: plain)
        var main = Records(base: 10)
        main.start(at: 10, kind: 0, parent: 1)
        for t in stride(from: 100, through: 400, by: 100) { main.munmap(at: UInt64(t)) }
        main.op(.fork, at: 450, [101, 0])
        root.chunk(tid: 100, base: 10, main, flushedAt: 460)
        var worker = Records(base: 420)
        worker.op(.threadStart, at: 420, [100])
        worker.munmap(at: 430)
        worker.op(.threadExit, at: 440, [])
        root.chunk(tid: 101, base: 420, worker, flushedAt: 445)
        main = Records(base: 900)
        main.op(.exit, at: 900, [0, 1])
        root.chunk(tid: 100, base: 900, main, flushedAt: 910)
        root.end()
        let child = SegmentFile(dir, pid: 101, plain: plain)
        var c = Records(base: 470)
        c.start(at: 470, kind: 1, parent: 100)
        c.munmap(at: 480)
        child.chunk(tid: 101, base: 470, c, flushedAt: 490)  // never ended: SIGKILL
        try RecordingFollowerTests.clock.write(directory: dir)
        var own: [UInt8] = []
        LittleEndian.append(UInt64(0x7f00_0000_0000), to: &own)
        LittleEndian.append(UInt64(1 << 20), to: &own)
        try Data(own).write(to: URL(fileURLWithPath: dir + "/p100-0.own"))
        try Data("not ours".utf8).write(to: URL(fileURLWithPath: dir + "/cachegrind.out"))
        return dir
    }

    static let conversion = RecordingConversion(
        header: TraceHeader(producer: "memreplay-record", producerVersion: "test", commandLine: ["prog"],
                            attributes: ["recorder.exit_status": "0", "recorder.fault_samples_lost": "3"]),
        rootPid: 100, rootStatus: 0, timeResolution: 1, compressionLevel: 3, accesses: "none",
        calibrations: [RecordingFollowerTests.clock.start, RecordingFollowerTests.clock.end!])

    /// The trace the directory converts to directly (`record --convert now`'s path).
    func directTrace(_ dir: String, to path: String) throws -> (RecordingSummary, [UInt8]) {
        let (summary, bytes) = try RawRecordingTests.conversion.convert(segments: try RecordingMerger.loadSegments(directory: dir),
                                                                        directory: dir, output: path)
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(UInt64(data.count) == bytes)
        return (summary, data)
    }

    func read(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Runs `body` with a recording directory packed into `out/t.mrt` and the trace the directory
    /// converts to directly in `out/direct.mrt`; removes both directories after.
    func withPacked(_ body: (_ out: String, _ path: String, _ packed: RawRecording.Packed, _ direct: [UInt8]) throws -> Void) throws {
        let dir = try recordingDirectory()
        defer { removeTree(dir) }
        let out = scratchDirectory()
        defer { removeTree(out) }
        let packed = try RawRecording.pack(directory: dir, conversion: RawRecordingTests.conversion, to: out + "/t.mrt")
        let (_, direct) = try directTrace(dir, to: out + "/direct.mrt")
        unlink(out + "/direct.mrt")
        try body(out, out + "/t.mrt", packed, direct)
    }

    @Test func packedRecordingConvertsToTheDirectorysTraceByteForByte() throws {
        let dir = try recordingDirectory()
        defer { removeTree(dir) }
        let out = scratchDirectory()
        defer { removeTree(out) }
        let packed = try RawRecording.pack(directory: dir, conversion: RawRecordingTests.conversion, to: out + "/t.mrt")
        #expect(packed.manifest.members.map(\.name) == ["clock", "p100-0.mrr", "p100-0.own", "p101-0.mrr"])
        #expect(packed.incompleteSegments == ["p101-0.mrr"])
        #expect(packed.bytes == UInt64(try read(out + "/t.mrt").count))
        #expect(RawRecording.isRaw(path: out + "/t.mrt"))
        #expect(directoryEntries(out) == ["t.mrt"], "no temporary file left")
        let raw = try RawRecording(path: out + "/t.mrt")
        #expect(raw.segmentCount == 2 && raw.manifest == packed.manifest)

        let (direct, directBytes) = try directTrace(dir, to: out + "/direct.mrt")
        let (summary, bytes) = try raw.convert(to: out + "/converted.mrt")
        #expect(try read(out + "/converted.mrt") == directBytes)
        #expect(bytes == UInt64(directBytes.count))
        #expect(summary.events == direct.events && summary.events > 8)
        #expect(summary.incompleteSegments.count == 1)
        #expect(!RawRecording.isRaw(path: out + "/converted.mrt"))
    }

    @Test func readerConvertsInPlaceOnceThenReadsATrace() throws {
        try withPacked { out, path, _, direct in
            let reader = try TraceReader(path: path)
            var events = 0
            while try reader.next() != nil { events += 1 }
            #expect(events > 8)
            #expect(reader.header.attributes["recorder.fault_samples_lost"] == "3")
            #expect(reader.header.attributes["recorder.segments"] == "2")
            // The raw recording was replaced by the trace itself.
            #expect(!RawRecording.isRaw(path: path))
            #expect(try read(path) == direct)
            #expect(directoryEntries(out) == ["t.mrt"])
        }
    }

    @Test func readOnlyRecordingConvertsIntoATemporaryFile() throws {
        try withPacked { _, path, _, direct in
            let before = try read(path)
            let fd = try RawRecording.openConverted(path: path, inPlace: false)
            let converted = try #require(PerfFaultCollector.readBytes("/proc/self/fd/\(fd)"))
            close(fd)
            #expect(converted == direct)
            #expect(try read(path) == before, "the raw recording is left as it was")
        }
    }

    /// Each kind of damage: the error, its offset, and the file left as it was with no temporary beside it.
    @Test func damageIsNamedByFileOffsetAndMember() throws {
        try withPacked { out, path, packed, _ in try expectDamageReported(out: out, path: path, packed: packed) }
    }

    func expectDamageReported(out: String, path: String, packed: RawRecording.Packed) throws {
        let good = try read(path)
        let raw = try RawRecording(path: path)
        let segment = raw.dataOffset + packed.manifest.members[0].length  // p100-0.mrr follows clock

        func expectFailure(_ bytes: [UInt8], _ check: (TraceError) -> Bool) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try TraceReader(path: path)
                Issue.record("damaged raw recording was read")
            } catch let e as TraceError {
                #expect(check(e), "\(e)")
                #expect(e.source.hasPrefix(path), "\(e)")
            }
            #expect(try read(path) == bytes, "the damaged file is left as it was")
            #expect(directoryEntries(out) == ["t.mrt"], "nothing half-written: \(directoryEntries(out))")
        }
        var flipped = good
        flipped[Int(segment) + 20] ^= 0x10
        try expectFailure(flipped) { e in
            if case .damagedBlock(_, let o, let d) = e { return o == segment && d.contains("member p100-0.mrr: checksum mismatch") }
            return false
        }
        try expectFailure(Array(good.dropLast(7))) { e in
            if case .truncatedBlock(_, let o, _, _) = e { return o > segment } else { return false }
        }
        var manifest = good
        manifest[RawRecording.prefixLength + 5] ^= 0x01
        try expectFailure(manifest) { e in
            if case .damagedHeader(_, 14, let d) = e { return d.contains("manifest checksum mismatch") } else { return false }
        }
        try expectFailure(Array(good.prefix(12))) { e in
            if case .truncatedHeader = e { return true } else { return false }
        }
        var version = good
        version[8] = 0x03  // layout 3, still a raw recording (1 and 2 are read)
        try expectFailure(version) { e in
            if case .unsupportedVersion(_, 8, 0x8003) = e { return e.description.contains("raw recording") } else { return false }
        }
        try expectFailure(good + [0]) { e in
            if case .damagedBlock(_, let o, _) = e { return o == UInt64(good.count) } else { return false }
        }
    }

    /// A reader of traces only (the stream decoder, as an older build's reader) refuses a raw
    /// recording by its version and says what it is.
    @Test func traceDecoderRefusesARawRecordingClearly() throws {
        try withPacked { _, path, _, _ in try expectDecoderRefuses(try read(path)) }
    }

    func expectDecoderRefuses(_ bytes: [UInt8]) throws {
        var decoder = TraceStreamDecoder(source: "t.mrt")
        do {
            try bytes.withUnsafeBytes { try decoder.feed($0) }
            _ = try decoder.next()
            Issue.record("a raw recording decoded as a trace")
        } catch let e as TraceError {
            guard case .unsupportedVersion(_, 8, Int(TraceFormat.rawRecordingVersion)) = e else { Issue.record("\(e)"); return }
            #expect(e.description.contains("raw recording not yet converted") && e.description.contains("memreplay convert"))
        }
    }

    @Test func memberNamesArePlainFileNames() {
        for good in ["p100-0.mrr", "faults.spool.mappings", "clock", "lackey.spool"] { #expect(RawRecording.validName(good)) }
        for bad in ["", ".", "..", "../x", "a/b", ".hidden", "p1 0.mrr"] { #expect(!RawRecording.validName(bad), "\(bad)") }
    }
}
