#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw recording: a recording directory (the interposer's segments, the fault spool, the clock)
/// packed into one `.mrt` file, with what converting it needs, not yet converted to a trace.
///
/// Layout (docs/trace-format.md, "Raw recordings"): the trace format's magic, the version
/// `TraceFormat.rawRecordingVersion` (bit 15 set: readers of traces refuse it by its version),
/// a u32 manifest length, the manifest as JSON (`Manifest`), its CRC-32C, then every member's
/// bytes one after the other in the manifest's order. `memreplay record` writes it (packing costs
/// a copy of the files); `TraceReader` converts it on first read (`RawRecording+Reading.swift`).
public struct RawRecording {
    /// One packed file of the recording directory.
    public struct Member: Codable, Equatable, Sendable {
        /// Its name in the directory (letters, digits, `.`, `_`, `-`; no leading dot).
        public var name: String
        public var length: UInt64
        /// CRC-32C of its bytes.
        public var crc32c: UInt32
    }

    /// The JSON after the file's prefix.
    public struct Manifest: Codable, Equatable, Sendable {
        /// How the members become a trace.
        public var conversion: RecordingConversion
        /// The packed files, in file order.
        public var members: [Member]
    }

    /// The file.
    public let path: String
    public let manifest: Manifest
    /// Offset of the first member's bytes.
    public let dataOffset: UInt64
    /// The file's size when it was opened.
    public let fileSize: UInt64

    /// Bytes before the manifest JSON: magic, u16 version, u32 length.
    static let prefixLength = TraceFormat.magic.count + 6
    /// Largest manifest a reader accepts.
    static let maxManifestLength = 64 << 20

    /// The interposer's segments (`p<pid>-<generation>.mrr`) among the members.
    public var segmentCount: Int { manifest.members.filter { RawRecording.isSegment($0.name) }.count }

    static func isSegment(_ name: String) -> Bool { name.hasPrefix("p") && name.hasSuffix(".mrr") }

    /// True when the file at `path` starts like a raw recording (magic and a version with bit 15).
    public static func isRaw(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return isRaw(fd: fd)
    }

    /// True when the file open on `fd` starts like a raw recording.
    static func isRaw(fd: Int32) -> Bool {
        var prefix = [UInt8](repeating: 0, count: 10)
        guard pread(fd, &prefix, 10, 0) == 10, Array(prefix[0..<8]) == TraceFormat.magic else { return false }
        return (UInt16(prefix[8]) | UInt16(prefix[9]) << 8) & TraceFormat.rawRecordingBit != 0
    }

    /// Opens `path` and checks its prefix, manifest and size; errors name the file, the byte
    /// offset and what was expected.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw TraceError.io(source: path, offset: 0, detail: "cannot open: \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        fileSize = fstat(fd, &info) == 0 ? UInt64(info.st_size) : 0
        var prefix = [UInt8](repeating: 0, count: RawRecording.prefixLength)
        let got = try RawRecording.readFully(fd, into: &prefix, at: 0, source: path)
        guard got >= TraceFormat.magic.count, Array(prefix[0..<TraceFormat.magic.count]) == TraceFormat.magic else {
            if got < TraceFormat.magic.count { throw TraceError.truncatedHeader(source: path, offset: 0, expected: RawRecording.prefixLength, found: got) }
            throw TraceError.notATrace(source: path, offset: 0)
        }
        guard got == RawRecording.prefixLength else {
            throw TraceError.truncatedHeader(source: path, offset: 0, expected: RawRecording.prefixLength, found: got)
        }
        let version = prefix.withUnsafeBytes { LittleEndian.read(UInt16.self, $0, at: 8) }
        guard version == TraceFormat.rawRecordingVersion || version == TraceFormat.rawRecordingPlainVersion else {
            throw TraceError.unsupportedVersion(source: path, offset: 8, version: Int(version))
        }
        let length = Int(prefix.withUnsafeBytes { LittleEndian.read(UInt32.self, $0, at: 10) })
        guard length <= RawRecording.maxManifestLength else {
            throw TraceError.damagedHeader(source: path, offset: 10, detail: "manifest length \(length) is too large")
        }
        var json = [UInt8](repeating: 0, count: length + 4)
        let have = try RawRecording.readFully(fd, into: &json, at: UInt64(RawRecording.prefixLength), source: path)
        guard have == json.count else {
            throw TraceError.truncatedHeader(source: path, offset: 0, expected: RawRecording.prefixLength + json.count,
                                             found: RawRecording.prefixLength + have)
        }
        let stored = json.withUnsafeBytes { LittleEndian.read(UInt32.self, $0, at: length) }
        json.removeLast(4)
        let computed = CRC32C.checksum(json)
        guard stored == computed else {
            throw TraceError.damagedHeader(source: path, offset: UInt64(RawRecording.prefixLength),
                                           detail: "manifest checksum mismatch (expected \(hex32(stored)), found \(hex32(computed)))")
        }
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(json))
        } catch {
            throw TraceError.damagedHeader(source: path, offset: UInt64(RawRecording.prefixLength),
                                           detail: "manifest is not a raw recording manifest (\(error))")
        }
        dataOffset = UInt64(RawRecording.prefixLength + length + 4)
        var names = Set<String>()
        for m in manifest.members {
            guard RawRecording.validName(m.name), names.insert(m.name).inserted else {
                throw TraceError.damagedHeader(source: path, offset: UInt64(RawRecording.prefixLength),
                                               detail: "manifest names member '\(m.name)' twice or not as a plain file name")
            }
        }
        guard manifest.members.contains(where: { RawRecording.isSegment($0.name) }) else {
            throw TraceError.damagedHeader(source: path, offset: UInt64(RawRecording.prefixLength),
                                           detail: "manifest lists no recorder segment (p<pid>-<generation>.mrr)")
        }
        var at = dataOffset
        for m in manifest.members {
            guard fileSize >= at &+ m.length, at &+ m.length >= at else {
                throw TraceError.truncatedBlock(source: path, offset: at, expected: Int(clamping: m.length),
                                                found: Int(clamping: fileSize > at ? fileSize - at : 0))
            }
            at += m.length
        }
        guard fileSize == at else {
            throw TraceError.damagedBlock(source: path, offset: at, detail: "\(fileSize - at) bytes after the last member")
        }
    }

    /// A member name safe to create in a directory.
    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 255 && !name.hasPrefix(".")
            && name.utf8.allSatisfy { c in (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x2E || c == 0x5F || c == 0x2D }
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many (fewer only at end of file).
    static func readFully(_ fd: Int32, into buffer: inout [UInt8], at offset: UInt64, source: String) throws -> Int {
        try buffer.withUnsafeMutableBytes { try readFully(fd, into: $0, at: offset, source: source) }
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many (fewer only at end of file).
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, source: String) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError.io(source: source, offset: offset + UInt64(done), detail: "read failed: \(errnoText())")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}
