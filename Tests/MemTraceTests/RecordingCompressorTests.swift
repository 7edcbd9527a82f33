import CZstd
import Foundation
import Testing
@testable import MemTrace

/// `RecordingCompressor` and `SegmentCompressor`: the interposer's plain segments compressed by
/// `record` while they grow, packed into a raw recording that converts to exactly the trace the
/// directory converts to — the same as with the zstd segments interposers wrote before.
@Suite(.serialized)
struct RecordingCompressorTests {
    typealias Records = RecordingFollowerTests.Records
    typealias SegmentFile = RecordingFollowerTests.SegmentFile

    func read(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }

    /// The plain file's bytes without its end chunks: what the compressed stream must hold.
    func withoutEndChunks(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], at = 0
        while at + 36 <= bytes.count {
            let length = Int(bytes[at + 4]) | Int(bytes[at + 5]) << 8 | Int(bytes[at + 6]) << 16 | Int(bytes[at + 7]) << 24
            if bytes[at + 3] != 0x45 { out += bytes[at..<at + 36 + length] }
            at += 36 + length
        }
        return out + bytes[at...]
    }

    @Test func plainSegmentsPackAndConvertToTheSameTraceAsZstdOnes() throws {
        let tests = RawRecordingTests()
        let zstdDir = try tests.recordingDirectory(plain: false)
        defer { removeTree(zstdDir) }
        let plainDir = try tests.recordingDirectory(plain: true)
        defer { removeTree(plainDir) }
        let out = scratchDirectory()
        defer { removeTree(out) }
        #expect(RecorderSegment.isPlain(try read(plainDir + "/p100-0.mrr")))
        #expect(!RecorderSegment.isPlain(try read(zstdDir + "/p100-0.mrr")))
        // The directories themselves (record --convert now, --keep-raw then --merge-raw).
        let (zstdSummary, expected) = try tests.directTrace(zstdDir, to: out + "/zstd.mrt")
        let (plainSummary, plainTrace) = try tests.directTrace(plainDir, to: out + "/plain.mrt")
        #expect(plainTrace == expected)
        let names = { (paths: [String]) in paths.map { $0.split(separator: "/").last.map(String.init) ?? $0 } }
        #expect(names(plainSummary.incompleteSegments) == names(zstdSummary.incompleteSegments))
        #expect(plainSummary.incompleteSegments.count == 1, "the killed child's segment has no end chunk")
        let root = try RecorderSegment(path: plainDir + "/p100-0.mrr"), child = try RecorderSegment(path: plainDir + "/p101-0.mrr")
        #expect(root.complete && !child.complete)

        // Compressed by record's thread: zstd streams ended exactly when the segment ended.
        let compressor = RecordingCompressor(directory: plainDir)
        let sources = compressor.finish()
        #expect(compressor.failure == nil)
        #expect(compressor.checkInvariants())
        #expect(sources.keys.sorted() == ["p100-0.mrr", "p101-0.mrr"])
        for (name, path) in sources {
            let (bytes, ended) = try RecorderSegment.decompress(path)
            #expect(bytes == withoutEndChunks(try read(plainDir + "/" + name)), "\(name)")
            #expect(ended == (name == "p100-0.mrr"), "\(name)")
        }
        let packed = try RawRecording.pack(directory: plainDir, conversion: RawRecordingTests.conversion,
                                           to: out + "/t.mrt", sources: sources)
        #expect(packed.manifest.members.map(\.name) == ["clock", "p100-0.mrr", "p100-0.own", "p101-0.mrr"])
        #expect(packed.incompleteSegments == ["p101-0.mrr"])
        #expect(Array(try read(out + "/t.mrt")[8..<10]) == [0x01, 0x80], "layout 1: every segment compressed")
        let (summary, _) = try RawRecording(path: out + "/t.mrt").convert(to: out + "/converted.mrt")
        #expect(try read(out + "/converted.mrt") == expected)
        #expect(summary.events == zstdSummary.events)

        // Packed as the interposer wrote them (the compressor failed): the same trace.
        let plainPacked = try RawRecording.pack(directory: plainDir, conversion: RawRecordingTests.conversion, to: out + "/p.mrt")
        #expect(plainPacked.incompleteSegments == ["p101-0.mrr"])
        _ = try RawRecording(path: out + "/p.mrt").convert(to: out + "/p-converted.mrt")
        #expect(try read(out + "/p-converted.mrt") == expected)
    }

    /// Chunks cut anywhere by the reads (a flush still being written, a segment that appears while
    /// the thread runs) come out whole and in order; the thread did the work while they grew.
    @Test func followsSegmentsAsTheyGrow() throws {
        let dir = scratchDirectory()
        defer { removeTree(dir) }
        let compressor = RecordingCompressor(directory: dir, intervalMicroseconds: 200)
        compressor.start()
        func waitForPolls() {
            let target = compressor.polls + 2
            for _ in 0..<5000 where compressor.polls < target { usleep(200) }
        }
        let fd = open(dir + "/p7-0.mrr", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var written: [UInt8] = []
        func put(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            written += bytes
        }
        var t: UInt64 = 10
        for i in 0..<40 {
            let base = t
            var r = Records(base: base)
            if i == 0 { r.start(at: t, kind: 0, parent: 1) }
            for _ in 0..<(50 + i * 7) { t += 3; r.munmap(at: t) }
            let chunk = SegmentFile.header("MRRC", length: r.bytes.count, tid: 7, base: base, tick: t) + r.bytes
            // Written in two pieces around a poll: the first 1, 3, 17… bytes of the chunk, then the rest.
            let cut = min(chunk.count - 1, [1, 3, 17, 35, 36, 37, 100][i % 7])
            put(Array(chunk[..<cut]))
            waitForPolls()
            put(Array(chunk[cut...]))
            if i % 5 == 0 { waitForPolls() }
        }
        put(SegmentFile.header("MRRE", length: 0, tid: 7, base: 0, tick: t))
        close(fd)
        let sources = compressor.finish()
        #expect(compressor.checkInvariants())
        #expect(compressor.polls > 40)
        let (bytes, ended) = try RecorderSegment.decompress(try #require(sources["p7-0.mrr"]))
        #expect(ended)
        #expect(bytes == withoutEndChunks(written))
        #expect(compressor.totals.bytesIn == UInt64(written.count))
        #expect(compressor.totals.bytesOut < compressor.totals.bytesIn)
    }

    /// A backlog over `maxTailBytes` at the end is not compressed on the user's clock: the segment
    /// is packed plain, and converts to the same trace.
    @Test func backlogAtTheEndIsPackedPlain() throws {
        let tests = RawRecordingTests()
        let plainDir = try tests.recordingDirectory(plain: true)
        defer { removeTree(plainDir) }
        let out = scratchDirectory()
        defer { removeTree(out) }
        let (_, expected) = try tests.directTrace(plainDir, to: out + "/direct.mrt")
        let compressor = RecordingCompressor(directory: plainDir, maxTailBytes: 200)
        let sources = compressor.finish()
        // The root's segment holds about 300 bytes, the killed child's about 120.
        #expect(compressor.leftPlain == ["p100-0.mrr"])
        #expect(compressor.checkInvariants())
        #expect(sources.keys.sorted() == ["p101-0.mrr"])
        let packed = try RawRecording.pack(directory: plainDir, conversion: RawRecordingTests.conversion,
                                           to: out + "/t.mrt", sources: sources)
        #expect(packed.incompleteSegments == ["p101-0.mrr"])
        #expect(Array(try read(out + "/t.mrt")[8..<10]) == [0x02, 0x80], "layout 2: a segment is plain")
        _ = try RawRecording(path: out + "/t.mrt").convert(to: out + "/converted.mrt")
        #expect(try read(out + "/converted.mrt") == expected)
    }

    /// Mid-way, a cut chunk waits in the carry (and only that); a bad magic switches to verbatim.
    @Test func segmentCompressorKeepsOnlyACutChunk() throws {
        let dir = scratchDirectory()
        defer { removeTree(dir) }
        let fd = open(dir + "/p9-0.mrr", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        var r = Records(base: 10)
        r.start(at: 10, kind: 0, parent: 1)
        let chunk = SegmentFile.header("MRRC", length: r.bytes.count, tid: 9, base: 10, tick: 20) + r.bytes
        let c = try SegmentCompressor(directory: dir, name: "p9-0.mrr", level: 1)
        let cut = chunk.count - 5
        for piece in [Array(chunk), Array(chunk[..<cut])] {
            _ = piece.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            try c.pull()
            #expect(c.checkInvariants())
        }
        #expect(c.pendingBytes == UInt64(cut), "the cut chunk waits")
        _ = Array(chunk[cut...]).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try c.pull()
        #expect(c.checkInvariants() && c.pendingBytes == 0)
        try c.finish()
        #expect(c.checkInvariants() && !c.ended)
        let (bytes, ended) = try RecorderSegment.decompress(try #require(c.outputPath))
        #expect(bytes == chunk + chunk && !ended, "flushed, not ended: no end chunk came")
    }

    /// A segment an older interposer wrote (zstd) is left as it is.
    @Test func zstdSegmentsAreLeftAlone() throws {
        let dir = try RawRecordingTests().recordingDirectory(plain: false)
        defer { removeTree(dir) }
        let compressor = RecordingCompressor(directory: dir)
        #expect(compressor.finish().isEmpty)
        #expect(compressor.failure == nil)
    }
}
