import CZstd
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The operations of the interposer's raw stream (`Sources/CRecorder/recorder.h`, `R_*`).
public enum RecorderRawOp: UInt8, Sendable {
    case malloc = 1, calloc = 2, realloc = 3, reallocarray = 4, free = 5, posixMemalign = 6, memalign = 7
    case alignedAlloc = 8, valloc = 9, pvalloc = 10
    case mmap = 16, munmap = 17, mremap = 18, mprotect = 19, madvise = 20, brk = 21
    case mlock = 23, munlock = 24, mlockall = 25, munlockall = 26, msync = 27
    case heapBrk = 28, heapMmap = 29, heapMunmap = 30
    case file = 32, read = 33, write = 34, fsync = 35, truncate = 36, close = 37
    case start = 48, maps = 49, fork = 50, threadStart = 51, threadExit = 52, exit = 53, signal = 54
    case markerBase = 55
    /// Ends a later /proc/self/maps snapshot (after dlopen, pthread_create): the `maps` pieces the
    /// thread wrote since its previous other record.
    case mapsEnd = 56
    /// Call stacks (`Sources/CRecorder/stacks.h`): a trie node (id, parent, pc), a loaded object
    /// (id, base, low, high, build-id length, byte length; build-id and path bytes), an object
    /// unloaded (id), the unwinder's counters at exit, and (`--stacks dwarf`) its memo's counters
    /// at exit (walks remembered, calls that reused one).
    case stackNode = 57, object = 58, objectGone = 59, stackStats = 60, stackMemo = 61

    /// How many varint fields follow the time delta (the byte string of `file`, `start`, `maps`
    /// and `object` follows its length field, which is the last one counted here). The malloc
    /// family's last field is the call's stack id (`stackField`).
    var fieldCount: Int {
        switch self {
        case .malloc, .valloc, .pvalloc: 3
        case .calloc, .realloc: 4
        case .reallocarray, .posixMemalign: 5
        case .free: 2
        case .memalign, .alignedAlloc: 4
        case .stackNode: 3
        case .object: 6
        case .objectGone: 1
        case .stackStats: 5
        case .stackMemo: 2
        case .mmap: 7
        case .munmap: 3
        case .mremap: 5
        case .mprotect, .madvise, .msync: 4
        case .brk, .mlockall: 2
        case .mlock, .munlock: 3
        case .munlockall: 1
        case .heapBrk: 1
        case .heapMmap, .heapMunmap: 2
        case .file: 5
        case .read, .write: 4
        case .fsync: 2
        case .truncate: 3
        case .close: 1
        case .start: 6
        case .maps: 1
        case .fork: 2
        case .threadStart: 1
        case .threadExit: 0
        case .exit: 2
        case .signal: 1
        case .markerBase: 1
        case .mapsEnd: 0
        }
    }

    /// Field positions holding heap pointers (coded against the chunk's previous pointer), as bits.
    var pointerMask: UInt8 {
        switch self {
        case .malloc, .valloc, .pvalloc: 1 << 1
        case .calloc: 1 << 2
        case .realloc: 1 << 0 | 1 << 2
        case .reallocarray: 1 << 0 | 1 << 3
        case .free: 1 << 0
        case .posixMemalign, .memalign, .alignedAlloc: 1 << 2
        default: 0
        }
    }

    /// Fields written zigzag-signed (results that may be −errno, statuses), as bits.
    var signedMask: UInt8 {
        switch self {
        case .mmap: 1 << 6
        case .munmap, .mlock, .munlock: 1 << 2
        case .mremap: 1 << 4
        case .mprotect, .madvise, .msync: 1 << 3
        case .brk, .mlockall: 1 << 1
        case .munlockall: 1 << 0
        case .read, .write: 1 << 3
        case .fsync: 1 << 1
        case .truncate: 1 << 2
        case .exit: 1 << 0
        default: 0
        }
    }

    /// True for the records whose byte string follows their last field.
    var hasBytes: Bool { self == .file || self == .start || self == .maps || self == .object }

    /// The field holding the call's stack id (the malloc family's last), or nil.
    var stackField: Int? { rawValue >= 1 && rawValue <= 10 ? fieldCount - 1 : nil }

    /// Per raw byte value: the operation, or nil.
    static let byValue: [RecorderRawOp?] = (0..<256).map { RecorderRawOp(rawValue: UInt8($0)) }

    /// Per raw byte value: the operation's field count (bits 0‥3), `hasBytes` (bit 4),
    /// `pointerMask` (bits 8‥15) and `signedMask` (bits 16‥23), for decoding a record with one
    /// table load (0 for no operation).
    static let layouts: [UInt32] = byValue.map { op in
        guard let op else { return 0 }
        return UInt32(op.fieldCount) | (op.hasBytes ? 1 << 4 : 0) | UInt32(op.pointerMask) << 8 | UInt32(op.signedMask) << 16
    }
}

/// One thread's records within a segment: its chunks' payloads in order, decoded on demand.
public struct RecorderThreadStream: Sendable {
    public var tid: UInt32
    /// (payload range in the segment's raw bytes, base tick) per chunk, in stream order.
    var chunks: [(range: Range<Int>, base: UInt64)] = []
}

/// A (tick, CLOCK_MONOTONIC nanoseconds) pair read together by the interposer.
public struct TickCalibration: Hashable, Sendable, Codable {
    public var tick: UInt64
    public var nanoseconds: UInt64
}

/// One raw segment file (`p<pid>-<gen>.mrr`): the records one process image wrote, as a zstd
/// stream of chunks, split into per-thread streams.
///
/// A stream cut short (SIGKILL, or a process still running) ends at its last complete chunk and
/// sets `complete` to false; damage inside the stream is an error naming the file and the byte
/// offset of the chunk (in the decompressed stream) or of zstd's failure (in the file).
public final class RecorderSegment {
    public let path: String
    public let pid: UInt32
    public let generation: Int
    /// Decompressed bytes of the stream (so far, for a segment followed while its process runs).
    public private(set) var raw: [UInt8]
    public private(set) var threads: [RecorderThreadStream] = []
    public private(set) var calibrations: [TickCalibration] = []
    /// True when the zstd stream ended with a complete frame (the process flushed at exit).
    public private(set) var complete = false
    /// Chunks in the stream.
    public private(set) var chunkCount = 0
    /// Where `split` goes on, and the thread stream of each tid.
    private var splitAt = 0
    private var threadIndex: [UInt32: Int] = [:]
    /// A segment followed while its process runs (`init(following:)`): the file, how much of it was
    /// read, whether it is plain (nil until its first four bytes came), those bytes until then, and
    /// the zstd stream decompressing a compressed one.
    private var followFD: Int32 = -1
    private var followRead: UInt64 = 0
    private var followPlain: Bool?
    private var followHead: [UInt8] = []
    private var followStream: OpaquePointer?

    /// Reads and splits `path`; `pid` and `generation` come from its name.
    public init(path: String) throws {
        self.path = path
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard name.hasPrefix("p"), name.hasSuffix(".mrr"),
              let dash = name.firstIndex(of: "-"),
              let pid = UInt32(name[name.index(after: name.startIndex)..<dash]),
              let gen = Int(name[name.index(after: dash)..<name.index(name.endIndex, offsetBy: -4)]) else {
            throw TraceError.io(source: path, offset: 0, detail: "expected a recorder segment named p<pid>-<generation>.mrr")
        }
        self.pid = pid
        self.generation = gen
        let (bytes, complete) = try RecorderSegment.decompress(path)
        self.raw = bytes
        self.complete = complete
        try split(final: true)
    }

    /// A segment read as its process writes it: empty until `pull()` reads what was flushed.
    public init(following path: String, pid: UInt32, generation: Int) throws {
        self.path = path
        self.pid = pid
        self.generation = generation
        self.raw = []
        followFD = open(path, O_RDONLY | O_CLOEXEC)
        if followFD < 0 { throw TraceError.io(source: path, offset: 0, detail: "cannot open: \(String(cString: strerror(errno)))") }
    }

    deinit {
        if followFD >= 0 { close(followFD) }
        if let followStream { ZSTD_freeDStream(followStream) }
    }

    /// Reads and splits what the process flushed since the last call; true when new chunks came.
    /// The stream is `complete` once it ended (the end chunk of a plain segment, the end of the
    /// zstd frame of a compressed one).
    public func pull() throws -> Bool {
        guard followFD >= 0 else { return false }
        let chunksBefore = chunkCount
        var input = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = input.withUnsafeMutableBytes { read(followFD, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError.io(source: path, offset: followRead, detail: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            if followPlain == nil {
                // Plain or zstd: known from the first four bytes.
                followHead.append(contentsOf: input[0..<n])
                followRead += UInt64(n)
                guard followHead.count >= 4 else { continue }
                followPlain = RecorderSegment.isPlain(followHead)
                let head = followHead
                followHead = []
                if followPlain == true { raw.append(contentsOf: head) } else {
                    try head.withUnsafeBytes { try feedZstd($0, offset: 0) }
                }
                continue
            }
            if followPlain == true {
                raw.append(contentsOf: input[0..<n])
            } else {
                try input.withUnsafeBytes { try feedZstd(UnsafeRawBufferPointer(rebasing: $0[0..<n]), offset: followRead) }
            }
            followRead += UInt64(n)
        }
        try split(final: false)
        return chunkCount > chunksBefore
    }

    /// Decompresses `input` (the file's bytes from `offset`) onto `raw` (following a zstd segment).
    private func feedZstd(_ input: UnsafeRawBufferPointer, offset: UInt64) throws {
        if followStream == nil {
            guard let stream = ZSTD_createDStream() else {
                throw TraceError.io(source: path, offset: 0, detail: "cannot allocate a zstd stream")
            }
            ZSTD_initDStream(stream)
            followStream = stream
        }
        let stream = followStream!
        var output = [UInt8](repeating: 0, count: 1 << 17)
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        repeat {
            let before = inBuf.pos
            let produced = try output.withUnsafeMutableBytes { dst -> Int in
                var outBuf = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                let hint = ZSTD_decompressStream(stream, &outBuf, &inBuf)
                if ZSTD_isError(hint) != 0 {
                    throw TraceError.damagedBlock(source: path, offset: offset + UInt64(before),
                                                  detail: "zstd: " + String(cString: ZSTD_getErrorName(hint)))
                }
                if hint == 0 { complete = true }
                return outBuf.pos
            }
            raw.append(contentsOf: output[0..<produced])
            if produced == 0 && inBuf.pos == before { break }
        } while inBuf.pos < inBuf.size
        // Drain what the decoder still holds for this input.
        while true {
            let produced = try output.withUnsafeMutableBytes { dst -> Int in
                var outBuf = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                let hint = ZSTD_decompressStream(stream, &outBuf, &inBuf)
                if ZSTD_isError(hint) != 0 {
                    throw TraceError.damagedBlock(source: path, offset: offset + UInt64(inBuf.pos),
                                                  detail: "zstd: " + String(cString: ZSTD_getErrorName(hint)))
                }
                if hint == 0 && outBuf.pos > 0 { complete = true }
                return outBuf.pos
            }
            if produced == 0 { break }
            raw.append(contentsOf: output[0..<produced])
        }
    }

    /// True when `bytes` start like a plain segment (a chunk's or the end chunk's magic, "MRR")
    /// rather than a zstd frame (28 B5 2F FD).
    static func isPlain<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        bytes.starts(with: [0x4D, 0x52, 0x52])
    }

    /// The whole file's chunk stream: a plain segment (the interposer's, uncompressed) as it is,
    /// its completeness left to `split` (the end chunk); a zstd segment (packed by `record`, or
    /// written by an interposer before the plain format) decompressed, an incomplete last frame
    /// (a stream flushed but not ended) accepted and reported as incomplete.
    static func decompress(_ path: String) throws -> ([UInt8], Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw TraceError.io(source: path, offset: 0, detail: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var input: [UInt8] = []
        var st = stat()
        if fstat(fd, &st) == 0 { input.reserveCapacity(Int(st.st_size) + 1) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError.io(source: path, offset: UInt64(input.count), detail: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            chunk.withUnsafeBytes { input.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        if input.isEmpty || isPlain(input) { return (input, false) }
        guard let stream = ZSTD_createDStream() else { throw TraceError.io(source: path, offset: 0, detail: "cannot allocate a zstd stream") }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        // Decompressed straight into one growing buffer (the raw stream is a few times the file),
        // at most 128 KiB per call as always.
        let window = 1 << 17
        var capacity = max(1 << 20, input.count * 4), produced = 0
        guard var out = malloc(capacity) else { throw TraceError.io(source: path, offset: 0, detail: "out of memory") }
        defer { free(out) }
        func reserveWindow() throws {
            guard capacity - produced < window else { return }
            capacity *= 2
            guard let grown = realloc(out, capacity) else { throw TraceError.io(source: path, offset: 0, detail: "out of memory") }
            out = grown
        }
        var lastHint = 0
        try input.withUnsafeBytes { src in
            var inBuf = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while inBuf.pos < inBuf.size {
                try reserveWindow()
                let before = inBuf.pos
                var outBuf = ZSTD_outBuffer(dst: out + produced, size: window, pos: 0)
                let hint = ZSTD_decompressStream(stream, &outBuf, &inBuf)
                if ZSTD_isError(hint) != 0 {
                    throw TraceError.damagedBlock(source: path, offset: UInt64(before),
                                                  detail: "zstd: " + String(cString: ZSTD_getErrorName(hint)))
                }
                produced += outBuf.pos
                lastHint = hint
                if outBuf.pos == 0 && inBuf.pos == before { break }
            }
            // Drain what the decoder still holds.
            while true {
                try reserveWindow()
                var outBuf = ZSTD_outBuffer(dst: out + produced, size: window, pos: 0)
                let hint = ZSTD_decompressStream(stream, &outBuf, &inBuf)
                if ZSTD_isError(hint) != 0 || outBuf.pos == 0 { break }
                produced += outBuf.pos
                lastHint = hint
            }
        }
        let output = [UInt8](unsafeUninitializedCapacity: produced) { buffer, count in
            if produced > 0 { buffer.baseAddress!.initialize(from: out.assumingMemoryBound(to: UInt8.self), count: produced) }
            count = produced
        }
        return (output, !input.isEmpty && lastHint == 0)
    }

    /// Reads the rest once the process is gone: afterwards the segment is what `init(path:)` reads.
    public func finishFollowing() throws {
        _ = try pull()
        try split(final: true)
        if followFD >= 0 { close(followFD); followFD = -1 }
    }

    /// Splits the stream into chunks and threads from where the last call stopped. A partial chunk
    /// at the very end (the stream was cut; or, while following, not all decompressed yet) waits
    /// for more or, when `final`, is dropped; a bad chunk header elsewhere is damage.
    private func split(final: Bool) throws {
        var at = splitAt
        defer { splitAt = at }
        while at < raw.count {
            guard at + 36 <= raw.count else { if final { complete = false }; break }
            guard raw[at] == 0x4D, raw[at + 1] == 0x52, raw[at + 2] == 0x52, raw[at + 3] == 0x43 || raw[at + 3] == 0x45 else {
                throw TraceError.badRecord(source: path, offset: UInt64(at), detail: "bad chunk magic at raw offset \(at): expected MRRC or MRRE")
            }
            if raw[at + 3] == 0x45 {
                // The end chunk of a plain segment: the image flushed everything at its exit, exec
                // or fatal signal (a zstd segment says so by ending its frame instead).
                complete = true
                at += 36
                continue
            }
            let length = Int(readU32(raw, at + 4))
            let tid = readU32(raw, at + 8)
            let base = readU64(raw, at + 12)
            let start = at + 36
            guard start + length <= raw.count else { if final { complete = false }; break }
            calibrations.append(TickCalibration(tick: readU64(raw, at + 20), nanoseconds: readU64(raw, at + 28)))
            let i: Int
            if let known = threadIndex[tid] { i = known } else {
                i = threads.count; threadIndex[tid] = i; threads.append(RecorderThreadStream(tid: tid))
            }
            threads[i].chunks.append((start..<start + length, base))
            chunkCount += 1
            at = start + length
        }
    }

    /// The byte string of a `file`, `start` or `maps` record of this segment (empty for others).
    public func bytes(of e: RecorderRawEvent) -> ArraySlice<UInt8> { raw[e.byteRange] }

    /// Every record of thread stream `i`, in order.
    public func events(ofThread i: Int) throws -> [RecorderRawEvent] {
        var out: [RecorderRawEvent] = []
        var cursor = RecorderCursor(segment: self, thread: i)
        while let e = try cursor.next() { out.append(e) }
        return out
    }
}

private func readU32(_ b: [UInt8], _ at: Int) -> UInt32 {
    var v: UInt32 = 0
    for i in 0..<4 { v |= UInt32(b[at + i]) << (8 * UInt32(i)) }
    return v
}

private func readU64(_ b: [UInt8], _ at: Int) -> UInt64 {
    var v: UInt64 = 0
    for i in 0..<8 { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
    return v
}
