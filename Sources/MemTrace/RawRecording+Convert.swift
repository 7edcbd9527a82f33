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

extension RawRecording {
    /// Writes every member into `directory` (which must exist), checking each one's CRC-32C
    /// first: a damaged member is an error naming the file, the member's offset and name.
    public func unpack(into directory: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw TraceError.io(source: path, offset: 0, detail: "cannot open: \(errnoText())") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var at = dataOffset
        for m in manifest.members {
            let target = directory + "/" + m.name
            let out = try FileTraceOutput(creating: target, sync: false)
            var crc: UInt32 = 0, done: UInt64 = 0
            while done < m.length {
                let want = Int(min(UInt64(buffer.count), m.length - done))
                try buffer.withUnsafeMutableBytes { whole in
                    let part = UnsafeMutableRawBufferPointer(rebasing: whole[0..<want])
                    let got = try RawRecording.readFully(fd, into: part, at: at + done, source: path)
                    guard got == want else {
                        throw TraceError.truncatedBlock(source: path, offset: at, expected: Int(clamping: m.length),
                                                        found: Int(done) + got)
                    }
                    crc = CRC32C.checksum(UnsafeRawBufferPointer(part), seed: crc)
                    try out.write(UnsafeRawBufferPointer(part))
                }
                done += UInt64(want)
            }
            try out.close()
            guard crc == m.crc32c else {
                throw TraceError.damagedBlock(source: path, offset: at,
                                              detail: "member \(m.name): checksum mismatch (expected \(hex32(m.crc32c)), found \(hex32(crc)))")
            }
            at += m.length
        }
    }

    /// Converts into a trace at `output`, written atomically (a file that exists is replaced only
    /// once the trace is complete): the members are unpacked into a temporary directory and
    /// merged exactly as `record --convert now` merges its recording directory.
    public func convert(to output: String, prepare: (inout RecordingMerger) -> Void = { _ in }) throws -> (RecordingSummary, UInt64) {
        let directory = try RawRecording.makeTemporaryDirectory()
        // An interrupt (Ctrl-C, SIGTERM) removes the unpacked members and the directory.
        TemporaryFiles.registerDirectory(directory, names: manifest.members.map(\.name))
        defer { RawRecording.removeDirectory(directory); TemporaryFiles.unregisterDirectory(directory) }
        do {
            try unpack(into: directory)
            let segments = try RecordingMerger.loadSegments(directory: directory)
            var conversion = manifest.conversion
            conversion.header.formatVersion = TraceFormat.version
            return try conversion.convert(segments: segments, directory: directory, output: output, prepare: prepare)
        } catch let error as TraceError where error.source.hasPrefix(directory + "/") {
            // A member that passed its checksum but does not decode: name it inside this file.
            throw error.relocated(to: path + " (member " + String(error.source.dropFirst(directory.count + 1)) + ")")
        }
    }

    /// A new empty directory under `$TMPDIR` (or /tmp).
    static func makeTemporaryDirectory() throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/memreplay-convert-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw TraceError.io(source: base, offset: 0, detail: "cannot create a temporary directory: \(errnoText())")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Removes `directory` and the files in it (not subdirectories: then it stays); true when it
    /// is gone. Plain system calls: Foundation's removal (an rmdir that fails, then a walk that
    /// stats every entry) cost `record` 4 ms after the program's exit.
    @discardableResult
    public static func removeDirectory(_ directory: String) -> Bool {
        if let dir = opendir(directory) {
            let fd = dirfd(dir)
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name != "." && name != ".." { unlinkat(fd, name, 0) }
            }
            closedir(dir)
        }
        return rmdir(directory) == 0
    }
}

extension TraceError {
    /// The same error naming `source` instead.
    func relocated(to source: String) -> TraceError {
        switch self {
        case .notATrace(_, let o): .notATrace(source: source, offset: o)
        case .unsupportedVersion(_, let o, let v): .unsupportedVersion(source: source, offset: o, version: v)
        case .damagedHeader(_, let o, let d): .damagedHeader(source: source, offset: o, detail: d)
        case .truncatedHeader(_, let o, let e, let f): .truncatedHeader(source: source, offset: o, expected: e, found: f)
        case .damagedBlock(_, let o, let d): .damagedBlock(source: source, offset: o, detail: d)
        case .truncatedBlock(_, let o, let e, let f): .truncatedBlock(source: source, offset: o, expected: e, found: f)
        case .badRecord(_, let o, let d): .badRecord(source: source, offset: o, detail: d)
        case .io(_, let o, let d): .io(source: source, offset: o, detail: d)
        }
    }
}
