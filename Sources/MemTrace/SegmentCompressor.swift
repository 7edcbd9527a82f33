import CZstd
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Compresses one plain recorder segment (`p<pid>-<generation>.mrr`, the interposer's
/// uncompressed chunks) into a zstd stream while its process still writes it: `pull()` takes the
/// chunks flushed since the last call, `finish()` the rest once the program is gone.
///
/// The output is what the interposer used to write itself: the same chunks, decompressed byte for
/// byte, as one zstd stream that is ended (`ZSTD_e_end`) exactly when the segment ended with its
/// end chunk ("MRRE": exit, exec, fatal signal) and only flushed otherwise (a killed process),
/// the end chunk itself left out. So a packed recording reads as before (`RecorderSegment`,
/// `RawRecording.zstdStreamEnded`). A segment that is not plain (an older interposer's zstd
/// stream) is left alone: `outputPath` is nil and the file is packed as it is. Damage (a bad
/// chunk magic) stops the parse; the rest is compressed as it is, for the reader to report.
final class SegmentCompressor {
    /// The segment's name in the recording directory.
    let name: String
    let sourcePath: String
    /// The compressed stream, beside the segment (a hidden name: `RawRecording.memberNames` skips
    /// it); nil while unknown or when the segment is not plain.
    private(set) var outputPath: String?
    /// True once the end chunk was read.
    private(set) var ended = false
    /// Bytes read from the segment, and compressed bytes written.
    private(set) var bytesIn: UInt64 = 0
    private(set) var bytesOut: UInt64 = 0

    private let level: Int32
    private var fd: Int32
    private var outFD: Int32 = -1
    private var cctx: OpaquePointer?
    /// Read but not yet compressed: the start of a chunk not complete yet.
    private var carry: [UInt8] = []
    /// nil until the first four bytes came; false for a zstd segment (left alone).
    private var plain: Bool?
    /// Set on a bad chunk magic: everything from there is compressed as it comes.
    private var verbatim = false
    private var finished = false
    private var scratch = [UInt8](repeating: 0, count: 1 << 20)
    private var zout = [UInt8](repeating: 0, count: 1 << 17)

    /// Opens `directory/name` for reading; `level` is zstd's.
    init(directory: String, name: String, level: Int32) throws {
        self.name = name
        self.sourcePath = directory + "/" + name
        self.level = level
        fd = open(sourcePath, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw TraceError.io(source: sourcePath, offset: 0, detail: "cannot open: \(errnoText())") }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if outFD >= 0 { close(outFD) }
        if let cctx { ZSTD_freeCCtx(cctx) }
    }

    /// Compresses the complete chunks the process wrote since the last call.
    func pull() throws {
        guard fd >= 0, plain != false else { return }
        while true {
            let n = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError.io(source: sourcePath, offset: bytesIn, detail: "read failed: \(errnoText())")
            }
            if n == 0 { break }
            bytesIn += UInt64(n)
            carry.append(contentsOf: scratch[0..<n])
            if plain == nil {
                guard carry.count >= 4 else { continue }
                plain = RecorderSegment.isPlain(carry)
                guard plain == true else { carry = []; return }
                try openOutput()
            }
            try compressCompleteChunks()
            if n < scratch.count { break }
        }
    }

    /// Checks the structure's invariants (for tests): what waits in `carry` was read; while the
    /// chunks parse, `carry` holds less than one whole chunk (a cut one) and no end chunk at its
    /// start; a compressed output exists only for a plain segment; a finished one has no open file.
    func checkInvariants() -> Bool {
        guard UInt64(carry.count) <= bytesIn else { return false }
        if plain != true && outputPath != nil { return false }
        if finished && (fd >= 0 || outFD >= 0) { return false }
        if plain == true && !verbatim && !finished && carry.count >= 36 {
            let magicOK = carry[0] == 0x4D && carry[1] == 0x52 && carry[2] == 0x52 && carry[3] == 0x43
            let length = Int(carry[4]) | Int(carry[5]) << 8 | Int(carry[6]) << 16 | Int(carry[7]) << 24
            if !magicOK || carry.count >= 36 + length { return false }
        }
        return true
    }

    /// Bytes the process wrote that are not compressed yet (unread, or read but waiting in a cut chunk).
    var pendingBytes: UInt64 {
        guard fd >= 0, plain != false else { return 0 }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return 0 }
        return UInt64(max(0, Int64(info.st_size) - Int64(bytesIn))) + UInt64(carry.count)
    }

    /// Gives up: the segment is packed as the interposer wrote it (`outputPath` becomes nil).
    func abandon() {
        finished = true
        if fd >= 0 { close(fd); fd = -1 }
        if outFD >= 0 { close(outFD); outFD = -1 }
        outputPath = nil
    }

    /// Reads and compresses the rest (a cut last chunk too), then ends the stream when the segment
    /// ended, else flushes it; closes both files.
    func finish() throws {
        guard !finished else { return }
        finished = true
        try pull()
        if plain == true {
            if !carry.isEmpty { try push(carry[...], mode: ZSTD_e_continue); carry = [] }
            try push([UInt8]()[...], mode: ended ? ZSTD_e_end : ZSTD_e_flush)
        }
        if fd >= 0 { close(fd); fd = -1 }
        if outFD >= 0 { close(outFD); outFD = -1 }
    }

    private func openOutput() throws {
        let slash = sourcePath.lastIndex(of: "/").map { sourcePath.index(after: $0) } ?? sourcePath.startIndex
        let path = String(sourcePath[..<slash]) + ".zst-" + name
        outFD = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if outFD < 0 { throw TraceError.io(source: path, offset: 0, detail: "cannot create: \(errnoText())") }
        guard let c = ZSTD_createCCtx() else { throw TraceError.io(source: path, offset: 0, detail: "cannot allocate a zstd context") }
        ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)
        cctx = c
        outputPath = path
    }

    /// Compresses the whole chunks at the start of `carry`, leaving a partial one; drops end chunks.
    private func compressCompleteChunks() throws {
        if verbatim { try push(carry[...], mode: ZSTD_e_continue); carry.removeAll(keepingCapacity: true); return }
        var at = 0, from = 0
        while carry.count - at >= 36 {
            guard carry[at] == 0x4D, carry[at + 1] == 0x52, carry[at + 2] == 0x52,
                  carry[at + 3] == 0x43 || carry[at + 3] == 0x45 else {
                verbatim = true
                at = carry.count
                break
            }
            if carry[at + 3] == 0x45 {
                if at > from { try push(carry[from..<at], mode: ZSTD_e_continue) }
                ended = true
                at += 36
                from = at
                continue
            }
            let length = Int(carry[at + 4]) | Int(carry[at + 5]) << 8 | Int(carry[at + 6]) << 16 | Int(carry[at + 7]) << 24
            guard carry.count - at - 36 >= length else { break }
            at += 36 + length
        }
        if at > from { try push(carry[from..<at], mode: ZSTD_e_continue) }
        carry.removeFirst(at)
    }

    /// Feeds `bytes` to the stream with `mode` and writes what comes out.
    private func push(_ bytes: ArraySlice<UInt8>, mode: ZSTD_EndDirective) throws {
        guard let cctx else { return }
        try bytes.withUnsafeBytes { src in
            var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while true {
                let (left, produced) = zout.withUnsafeMutableBytes { dst -> (Int, Int) in
                    var output = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    let left = ZSTD_compressStream2(cctx, &output, &input, mode)
                    return (left, output.pos)
                }
                if ZSTD_isError(left) != 0 {
                    throw TraceError.io(source: sourcePath, offset: bytesIn, detail: "zstd: " + String(cString: ZSTD_getErrorName(left)))
                }
                if produced > 0 { try writeOut(produced) }
                if mode == ZSTD_e_continue ? input.pos == input.size : left == 0 { return }
            }
        }
    }

    private func writeOut(_ count: Int) throws {
        var done = 0
        while done < count {
            let w = zout.withUnsafeBytes { write(outFD, $0.baseAddress! + done, count - done) }
            if w < 0 {
                if errno == EINTR { continue }
                throw TraceError.io(source: outputPath ?? sourcePath, offset: bytesOut, detail: "write failed: \(errnoText())")
            }
            done += w
            bytesOut += UInt64(w)
        }
    }
}
