import CZstd

/// A reusable zstd compression context.
final class ZstdCompressor {
    private let context: OpaquePointer?
    let level: Int32
    fileprivate var contextPointer: OpaquePointer? { context }

    init(level: Int) {
        context = ZSTD_createCCtx()
        self.level = Int32(clamping: min(max(level, Int(ZSTD_minCLevel())), Int(ZSTD_maxCLevel())))
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Compresses `source` into one zstd frame appended to nothing: returns the frame's bytes.
    func compress(_ source: UnsafeRawBufferPointer) throws(ZstdFailure) -> [UInt8] {
        guard let context else { throw ZstdFailure(message: "cannot allocate a zstd context") }
        let bound = ZSTD_compressBound(source.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            ZSTD_compressCCtx(context, dst.baseAddress, bound, source.baseAddress, source.count, level)
        }
        if ZSTD_isError(written) != 0 { throw ZstdFailure(code: written) }
        out.removeSubrange(written...)
        return out
    }
}

extension ZstdCompressor {
    /// Compresses `source` into one zstd frame written at `destination` (room for
    /// `ZSTD_compressBound(source.count)` bytes); returns the frame's length. The same bytes as
    /// `compress(_:)`, without allocating.
    func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(ZstdFailure) -> Int {
        guard let context = contextPointer else { throw ZstdFailure(message: "cannot allocate a zstd context") }
        let written = ZSTD_compressCCtx(context, destination.baseAddress, destination.count,
                                        source.baseAddress, source.count, level)
        if ZSTD_isError(written) != 0 { throw ZstdFailure(code: written) }
        return written
    }

    /// The most bytes a frame of `count` source bytes can take.
    static func bound(_ count: Int) -> Int { ZSTD_compressBound(count) }
}

/// A reusable zstd decompression context.
final class ZstdDecompressor {
    private let context: OpaquePointer?

    init() { context = ZSTD_createDCtx() }

    deinit { ZSTD_freeDCtx(context) }

    /// Decompresses exactly one frame filling `source` into `destination`; returns the bytes written.
    /// Fails when `source` is not exactly one valid frame or the output does not fit.
    func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer)
        throws(ZstdFailure) -> Int
    {
        guard let context else { throw ZstdFailure(message: "cannot allocate a zstd context") }
        guard let src = source.baseAddress, source.count > 0 else { throw ZstdFailure(message: "empty zstd frame") }
        let frameSize = ZSTD_findFrameCompressedSize(src, source.count)
        if ZSTD_isError(frameSize) != 0 { throw ZstdFailure(code: frameSize) }
        guard frameSize == source.count else {
            throw ZstdFailure(message: "payload holds \(source.count) bytes but its zstd frame ends after \(frameSize)")
        }
        let n = ZSTD_decompressDCtx(context, destination.baseAddress, destination.count, src, source.count)
        if ZSTD_isError(n) != 0 { throw ZstdFailure(code: n) }
        return n
    }
}

/// A zstd failure, with zstd's own description.
struct ZstdFailure: Error {
    var message: String
    init(message: String) { self.message = message }
    init(code: Int) { message = "zstd: " + String(cString: ZSTD_getErrorName(code)) }
}
