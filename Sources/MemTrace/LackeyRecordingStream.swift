#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One process image's raw records and its program's accesses in exact program order: the
/// records of every thread of the segment, placed where their event markers appear in the
/// `LackeyAccessCollector` spool, and the spooled accesses between them.
///
/// An access carries the tick and thread of the record before it (lackey does not say which
/// thread runs). A marker whose record number does not follow its thread's previous one is damage
/// in the spool (an error naming the spool and the item). Records left when the spool ends (none
/// when valgrind ran to the end) follow in tick order.
public struct LackeyRecordingStream {
    public enum Item {
        case record(RecorderRawEvent, tid: UInt32)
        case access(MemoryAccess, tid: UInt32, tick: UInt64)
        /// A page fault of `record --accesses faults` (merged by `RecordingMerger`, never produced here).
        case touch(FaultSample, tick: UInt64)
    }

    var threads: [(cursor: RecorderCursor, next: RecorderRawEvent?, index: UInt64)] = []
    var byKey: [UInt32: Int] = [:]
    let spool: [UInt64]
    let spoolPath: String
    var at = 0
    var tick: UInt64 = 0
    var tid: UInt32

    public init(segment: RecorderSegment, spoolPath: String) throws {
        self.spoolPath = spoolPath
        for i in segment.threads.indices {
            var c = RecorderCursor(segment: segment, thread: i)
            let first = try c.next()
            byKey[c.tid & 0x1FFFF] = threads.count
            threads.append((c, first, 0))
        }
        tid = segment.pid
        // Accesses before the first record (ld.so's start-up) take the image's first time stamp.
        tick = threads.compactMap { $0.next?.tick }.min() ?? 0
        spool = try LackeyRecordingStream.read(spoolPath)
    }

    static func read(_ path: String) throws -> [UInt64] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TraceError.io(source: path, offset: 0, detail: "cannot open: \(String(cString: strerror(errno)))") }
        defer { _ = posixClose(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TraceError.io(source: path, offset: 0, detail: "cannot stat") }
        let count = Int(st.st_size) / 8
        var items = [UInt64](repeating: 0, count: count)
        var got = 0
        try items.withUnsafeMutableBytes { raw in
            while got < count * 8 {
                let n = posixRead(fd, raw.baseAddress! + got, count * 8 - got)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw TraceError.io(source: path, offset: UInt64(got), detail: "read failed") }
                if n == 0 { break }
                got += n
            }
        }
        return items.map { UInt64(littleEndian: $0) }
    }

    /// The next item, or nil at the end.
    public mutating func next() throws -> Item? {
        while at < spool.count {
            let v = spool[at]
            at += 1
            let kind = v >> 62
            if kind == 3 {
                let key = UInt32(truncatingIfNeeded: (v >> 14) & 0x1FFFF), number = v & 0x3FFF
                guard let t = byKey[key] else { continue }   // a thread whose records were all lost
                guard let e = threads[t].next else { continue }
                guard threads[t].index & 0x3FFF == number else {
                    throw TraceError.badRecord(source: spoolPath, offset: UInt64(at - 1) * 8,
                                               detail: "event marker \(number) of thread \(threads[t].cursor.tid) out of order: expected \(threads[t].index & 0x3FFF)")
                }
                threads[t].next = try threads[t].cursor.next()
                threads[t].index += 1
                tick = e.tick
                tid = threads[t].cursor.tid
                return .record(e, tid: tid)
            }
            guard let k = AccessKind(rawValue: UInt8(kind)) else { continue }
            let access = MemoryAccess(kind: k, address: VirtualAddress(v & 0xFFFF_FFFF_FFFF), size: UInt32((v >> 48) & 0x3FFF))
            return .access(access, tid: tid, tick: tick)
        }
        var best = -1
        for i in threads.indices {
            guard let e = threads[i].next else { continue }
            if best < 0 || e.tick < threads[best].next!.tick { best = i }
        }
        guard best >= 0 else { return nil }
        let e = threads[best].next!
        threads[best].next = try threads[best].cursor.next()
        threads[best].index += 1
        return .record(e, tid: threads[best].cursor.tid)
    }

    /// The tick of the next item (for the merge across process images).
    public var nextTick: UInt64? {
        if at < spool.count { return tick }
        return threads.compactMap { $0.next?.tick }.min()
    }
}
