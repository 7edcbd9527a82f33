import CZstd
import Foundation
import Testing
@testable import MemTrace

/// The merge that follows a recording while it runs (`RecordingFollower`), on segment files written
/// here chunk by chunk as the interposer writes them: what the horizon lets through after each
/// flush, and that the trace is byte for byte the after-exit merge's of the same segments.
@Suite(.serialized)
struct RecordingFollowerTests {
    /// One thread's records in the interposer's raw coding (no pointer fields used here).
    struct Records {
        var bytes: [UInt8] = []
        var tick: UInt64

        init(base: UInt64) { tick = base }

        static func varint(_ v: UInt64, _ out: inout [UInt8]) {
            var v = v
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }

        mutating func op(_ op: RecorderRawOp, at t: UInt64, _ fields: [UInt64], text: String? = nil) {
            bytes.append(op.rawValue)
            Records.varint(Varint.zigzag(Int64(t) - Int64(tick)), &bytes)
            tick = t
            for f in fields { Records.varint(f, &bytes) }
            if let text {
                Records.varint(UInt64(text.utf8.count), &bytes)
                bytes += Array(text.utf8)
            }
        }

        mutating func start(at t: UInt64, kind: UInt64, parent: UInt64) {
            op(.start, at: t, [kind, parent, parent, t, 1_000_000 + t], text: "/bin/prog")
            op(.maps, at: t, [], text: "00400000-00401000 r-xp 00000000 00:00 0 /bin/prog\n")
        }
        mutating func munmap(at t: UInt64) { op(.munmap, at: t, [0x7000_0000 + t * 4096, 4096, 0]) }
    }

    /// A segment file written like the interposer writes it: each chunk compressed and flushed.
    /// A segment written as an interposer writes it: plain chunks and an end chunk (the interposer
    /// since the plain format), or a zstd stream flushed per chunk and ended (`plain: false`, as
    /// interposers wrote before; readers take both).
    final class SegmentFile {
        let fd: Int32
        let stream: OpaquePointer
        let plain: Bool

        init(_ dir: String, pid: UInt32, generation: Int = 0, plain: Bool = false) {
            fd = open(dir + "/p\(pid)-\(generation).mrr", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            stream = ZSTD_createCCtx()
            self.plain = plain
        }

        deinit { close(fd); ZSTD_freeCCtx(stream) }

        func push(_ bytes: [UInt8], _ mode: ZSTD_EndDirective) {
            if plain {
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                return
            }
            var out = [UInt8](repeating: 0, count: 1 << 16)
            bytes.withUnsafeBytes { src in
                var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
                while true {
                    let (left, produced) = out.withUnsafeMutableBytes { dst -> (Int, Int) in
                        var output = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                        let left = ZSTD_compressStream2(stream, &output, &input, mode)
                        return (left, output.pos)
                    }
                    _ = out.withUnsafeBytes { write(fd, $0.baseAddress, produced) }
                    if mode == ZSTD_e_continue ? input.pos == input.size : left == 0 { break }
                }
            }
        }

        /// The 36-byte header of a chunk (`magic` MRRC) or of the end chunk (MRRE).
        static func header(_ magic: String, length: Int, tid: UInt32, base: UInt64, tick: UInt64) -> [UInt8] {
            var header = Array(magic.utf8)
            LittleEndian.append(UInt32(length), to: &header)
            LittleEndian.append(tid, to: &header)
            LittleEndian.append(base, to: &header)
            LittleEndian.append(tick, to: &header)
            LittleEndian.append(1_000_000 + tick, to: &header)
            return header
        }

        /// One chunk of `tid`'s records, flushed with its calibration pair.
        func chunk(tid: UInt32, base: UInt64, _ records: Records, flushedAt tick: UInt64) {
            let header = SegmentFile.header("MRRC", length: records.bytes.count, tid: tid, base: base, tick: tick)
            if plain { push(header + records.bytes, ZSTD_e_flush); return }
            push(header, ZSTD_e_continue)
            push(records.bytes, ZSTD_e_flush)
        }

        func end() {
            if plain { push(SegmentFile.header("MRRE", length: 0, tid: 1, base: 0, tick: 999_999), ZSTD_e_end); return }
            push([], ZSTD_e_end)
        }
    }

    /// A clock of one tick per nanosecond from (0, 1 ms), agreeing over the run.
    static let clock = RecordingClock(rate: 1, start: TickCalibration(tick: 0, nanoseconds: 1_000_000),
                                      end: TickCalibration(tick: 100_000, nanoseconds: 1_100_000), bound: 1_000)

    func follower(_ dir: String) throws -> RecordingFollower {
        try RecordingFollower(directory: dir, rootPid: 100, followForks: true, clock: RecordingFollowerTests.clock,
                              timeResolution: 1, outputPath: dir + "/followed.mrt", compressionLevel: 3)
    }

    /// Finishes `f` and checks its trace against the after-exit merge of the same directory.
    func finishAndCompare(_ f: RecordingFollower, _ dir: String) throws -> RecordingSummary {
        let header = TraceHeader(producer: "test", producerVersion: "1", commandLine: ["prog"])
        let result = try #require(try f.finish(header: header, clockAttributes: RecordingFollowerTests.clock.attributes, rootStatus: 0),
                                  "the follower gave up: \(f.violation ?? "")")
        var merger = RecordingMerger(segments: try RecordingMerger.loadSegments(directory: dir), rootPid: 100, rootStatus: 0)
        merger.clock = RecordingFollowerTests.clock
        let (writer, summary) = try merger.merge(header: header) { h in
            try TraceWriter(path: dir + "/after.mrt", header: h, compressionLevel: 3, inBackground: true)
        }
        try writer.close()
        let followed = try Data(contentsOf: URL(fileURLWithPath: dir + "/followed.mrt"))
        let after = try Data(contentsOf: URL(fileURLWithPath: dir + "/after.mrt"))
        #expect(followed == after)
        #expect(result.summary.events == summary.events)
        #expect(result.bytesWritten == UInt64(followed.count))
        return summary
    }

    /// Checks each (events written after a poll, last tick the horizon allowed) against the
    /// after-exit trace: the follower had written exactly its events stamped up to that tick (times
    /// are ticks − 10 here: one tick per ns, the first record at tick 10).
    func expectPrefixes(_ dir: String, _ polls: [(written: UInt64, throughTick: UInt64)]) throws {
        let reader = try TraceReader(path: dir + "/after.mrt")
        var times: [UInt64] = []
        while let r = try reader.next() { times.append(r.time) }
        for (i, p) in polls.enumerated() {
            let expected = UInt64(times.filter { $0 <= p.throughTick - 10 }.count)
            #expect(p.written == expected, "poll \(i + 1): \(p.written) events written, \(expected) stamped through tick \(p.throughTick)")
            #expect(expected > 0 || p.throughTick < 10)
        }
    }

    func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("follower-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Also on plain segments (the interposer's format now), read as they grow.
    @Test(arguments: [false, true]) func outOfOrderFlushesAcrossThreadsWaitForTheSlowerThread(plain: Bool) throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seg = SegmentFile(dir, pid: 100, plain: plain)
        var main = Records(base: 10)
        main.start(at: 10, kind: 0, parent: 1)
        for t in stride(from: 100, through: 400, by: 100) { main.munmap(at: UInt64(t)) }
        seg.chunk(tid: 100, base: 10, main, flushedAt: 450)
        // The thread's start is flushed at its creation (the interposer's handshake).
        var worker = Records(base: 420)
        worker.op(.threadStart, at: 420, [100])
        seg.chunk(tid: 101, base: 420, worker, flushedAt: 425)
        let f = try follower(dir)
        var polls: [(UInt64, UInt64)] = []
        try f.poll()
        // Through 400: the worker's start (420) waits for the main thread, which may still have
        // records from 400 on.
        polls.append((f.eventsWritten, 400))
        // The worker flushes 1000-1100 before the main thread flushes 500-1200: nothing moves.
        worker = Records(base: 1000)
        for t in stride(from: 1000, through: 1100, by: 50) { worker.munmap(at: UInt64(t)) }
        seg.chunk(tid: 101, base: 1000, worker, flushedAt: 1110)
        try f.poll()
        polls.append((f.eventsWritten, 400))
        main = Records(base: 500)
        for t in stride(from: 500, through: 1200, by: 100) { main.munmap(at: UInt64(t)) }
        seg.chunk(tid: 100, base: 500, main, flushedAt: 1210)
        try f.poll()
        // Through the worker's last flushed record (1100); the main thread's 1200 waits for it.
        polls.append((f.eventsWritten, 1100))
        main = Records(base: 1300)
        main.op(.exit, at: 1300, [0, 1])
        seg.chunk(tid: 100, base: 1300, main, flushedAt: 1310)
        seg.end()
        let summary = try finishAndCompare(f, dir)
        #expect(summary.threads.count == 2)
        try expectPrefixes(dir, polls)
    }

    @Test func threadThatFlushesOnlyAtExitHoldsTheHorizonAtItsStart() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seg = SegmentFile(dir, pid: 100)
        var main = Records(base: 10)
        main.start(at: 10, kind: 0, parent: 1)
        main.munmap(at: 100)
        seg.chunk(tid: 100, base: 10, main, flushedAt: 110)
        var quiet = Records(base: 200)
        quiet.op(.threadStart, at: 200, [100])
        seg.chunk(tid: 102, base: 200, quiet, flushedAt: 205)
        main = Records(base: 300)
        for t in stride(from: 300, through: 3000, by: 100) { main.munmap(at: UInt64(t)) }
        seg.chunk(tid: 100, base: 300, main, flushedAt: 3010)
        let f = try follower(dir)
        try f.poll()
        // Through the quiet thread's start at 200; nothing past it.
        let polls = [(f.eventsWritten, UInt64(200))]
        quiet = Records(base: 250)
        quiet.munmap(at: 250)
        quiet.op(.threadExit, at: 260, [])
        main = Records(base: 3100)
        main.op(.exit, at: 3100, [0, 1])
        seg.chunk(tid: 102, base: 250, quiet, flushedAt: 3110)
        seg.chunk(tid: 100, base: 3100, main, flushedAt: 3120)
        seg.end()
        try f.poll()
        #expect(f.violation == nil)
        _ = try finishAndCompare(f, dir)
        try expectPrefixes(dir, polls)
    }

    @Test func forkChildHoldsTheHorizonUntilItsSegmentIsReadable() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let parent = SegmentFile(dir, pid: 100)
        var main = Records(base: 10)
        main.start(at: 10, kind: 0, parent: 1)
        main.op(.fork, at: 500, [200, 0])
        for t in stride(from: 600, through: 900, by: 100) { main.munmap(at: UInt64(t)) }
        parent.chunk(tid: 100, base: 10, main, flushedAt: 950)
        let f = try follower(dir)
        var polls: [(UInt64, UInt64)] = []
        try f.poll()
        // Through the fork at 500; the parent's records from 600 on wait for the child.
        polls.append((f.eventsWritten, 500))
        let childFile = SegmentFile(dir, pid: 200)
        try f.poll()
        polls.append((f.eventsWritten, 500))  // an empty segment says nothing yet
        var child = Records(base: 520)
        child.start(at: 520, kind: 1, parent: 100)
        child.munmap(at: 700)
        childFile.chunk(tid: 200, base: 520, child, flushedAt: 710)
        try f.poll()
        // The child's start (its maps settled by the munmap) and munmap at 700, interleaved with
        // the parent's 600 and 700; the parent's 800 waits for the child past 700.
        polls.append((f.eventsWritten, 700))
        child = Records(base: 1000)
        child.op(.exit, at: 1000, [0, 1])
        childFile.chunk(tid: 200, base: 1000, child, flushedAt: 1010)
        childFile.end()
        main = Records(base: 1100)
        main.op(.exit, at: 1100, [0, 1])
        parent.chunk(tid: 100, base: 1100, main, flushedAt: 1110)
        parent.end()
        let summary = try finishAndCompare(f, dir)
        #expect(summary.processes.count == 2)
        try expectPrefixes(dir, polls)
    }

    @Test func unannouncedThreadWithEarlierRecordsMakesTheFollowerGiveUp() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seg = SegmentFile(dir, pid: 100)
        var main = Records(base: 10)
        main.start(at: 10, kind: 0, parent: 1)
        for t in stride(from: 100, through: 900, by: 100) { main.munmap(at: UInt64(t)) }
        seg.chunk(tid: 100, base: 10, main, flushedAt: 950)
        let f = try follower(dir)
        try f.poll()
        #expect(f.eventsWritten > 0)
        #expect(f.violation == nil)
        // A thread (not made through pthread_create's handshake) whose records begin at 300.
        var late = Records(base: 300)
        late.op(.threadStart, at: 300, [100])
        late.munmap(at: 310)
        seg.chunk(tid: 103, base: 300, late, flushedAt: 960)
        #expect(try !f.poll())
        #expect(f.violation != nil)
        let header = TraceHeader(producer: "test", producerVersion: "1", commandLine: ["prog"])
        #expect(try f.finish(header: header, clockAttributes: [:], rootStatus: 0) == nil)
        #expect(!FileManager.default.fileExists(atPath: dir + "/followed.mrt"))
    }
}
