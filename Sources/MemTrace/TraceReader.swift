#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a `.mrt` trace file event by event, streaming it in ~1 MiB reads.
///
/// The header is read and checked by `init`; errors name the path and the byte offset. A raw
/// recording (`RawRecording`) is converted first (`RawRecording.openConverted`). With
/// `salvage`, decoding ends quietly at the first damaged or truncated block and `damage` says why.
public final class TraceReader {
    /// The file read.
    public let path: String
    /// The file's size in bytes when it was opened.
    public let fileSize: UInt64

    /// The decoder lives behind a pointer so the per-event call avoids the dynamic exclusivity
    /// check a stored `var` of a class gets.
    private let state: UnsafeMutablePointer<TraceStreamDecoder>
    private var decoder: TraceStreamDecoder {
        _read { yield state.pointee }
        _modify { yield &state.pointee }
    }
    private var fd: Int32
    private var chunk: [UInt8]
    private var atEnd = false
    private var finished = false
    private var bytesRead: UInt64 = 0

    /// Size of each read.
    static let readSize = 1 << 20

    /// Opens `path` and reads and validates its header.
    public init(path: String, salvage: Bool = false) throws {
        self.path = path
        state = UnsafeMutablePointer<TraceStreamDecoder>.allocate(capacity: 1)
        state.initialize(to: TraceStreamDecoder(salvage: salvage, source: path))
        chunk = [UInt8](repeating: 0, count: TraceReader.readSize)
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw TraceError.io(source: path, offset: 0, detail: "cannot open: \(errnoText())") }
        // A raw recording (`record --convert later`) is converted first, then read as a trace.
        if RawRecording.isRaw(fd: fd) {
            _ = posixClose(fd)
            fd = try RawRecording.openConverted(path: path)
        }
        var info = stat()
        fileSize = fstat(fd, &info) == 0 ? UInt64(info.st_size) : 0
        while decoder.header == nil {
            if try !readChunk() {
                try decoder.finish()
                break
            }
        }
    }

    deinit {
        if fd >= 0 { _ = posixClose(fd) }
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// The trace header.
    public var header: TraceHeader {
        // init fails unless the header was read, so this is always set.
        decoder.header ?? TraceHeader(producer: "", producerVersion: "", commandLine: [])
    }

    /// The next event, or nil at the end of the trace (or at the damage, with salvage).
    public func next() throws -> TraceRecord? {
        while true {
            if let record = try state.pointee.next() { return record }
            if atEnd {
                if finished { return nil }
                finished = true
                try decoder.finish()
                continue
            }
            _ = try readChunk()
        }
    }

    /// The text of string `id`, if defined so far.
    public func string(_ id: StringID) -> String? { decoder.strings[id] }
    /// The strings defined so far.
    public var strings: StringTable { decoder.strings }
    /// The objects and stack nodes defined so far.
    public var stacks: StackTable { decoder.stacks }
    /// With salvage: the damage that stopped decoding.
    public var damage: TraceError? { decoder.damage }
    /// Raw encoded bytes of the last event returned.
    public var lastRecordSize: Int { decoder.lastRecordSize }
    /// Compressed bytes of the blocks read so far, block headers included.
    public var compressedBytes: UInt64 { decoder.compressedBytes }
    /// Raw payload bytes of the blocks read so far.
    public var rawBytes: UInt64 { decoder.rawBytes }
    /// Blocks read so far.
    public var blocks: Int { decoder.blocks }

    /// Reads and feeds one chunk; false at end of file.
    private func readChunk() throws -> Bool {
        guard !atEnd else { return false }
        var n = 0
        let failure: Int32? = chunk.withUnsafeMutableBytes { buffer in
            while true {
                guard let base = buffer.baseAddress else { return EINVAL }
                n = posixRead(fd, base, buffer.count)
                if n >= 0 { return nil }
                if errno != EINTR { return errno }
            }
        }
        if let failure {
            throw TraceError.io(source: path, offset: bytesRead,
                                detail: "read failed: \(String(cString: strerror(failure)))")
        }
        if n == 0 {
            atEnd = true
            return false
        }
        bytesRead += UInt64(n)
        try chunk.withUnsafeBytes { try decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        return true
    }
}
