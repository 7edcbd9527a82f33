import CZstd
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
    /// What `pack` wrote.
    public struct Packed: Sendable {
        public var manifest: Manifest
        /// Size of the file.
        public var bytes: UInt64
        /// Segments whose zstd stream was not ended and whose process did not exec on (killed,
        /// or still running): their last unflushed buffer is lost.
        public var incompleteSegments: [String]
    }

    /// Packs every regular file of `directory` but cachegrind's output (`--compare-cachegrind`)
    /// into a raw recording at `path`, atomically: a temporary file beside it (removed on an
    /// error or an interrupt), renamed into place. It is not fsynced (that alone cost 6–70 ms on
    /// these VMs, more than the copy): a machine crash just after `record` can leave it empty or
    /// cut, which its reader reports as truncated; the trace converted from it is fsynced.
    /// `sources` names, per member, another file holding its bytes: a segment's zstd stream
    /// written by `RecordingCompressor` while the program ran (the interposer's own file is plain).
    public static func pack(directory: String, conversion: RecordingConversion, to path: String,
                            sources: [String: String] = [:]) throws -> Packed {
        var files = try memberNames(directory: directory).map { try MappedFile(path: sources[$0] ?? directory + "/" + $0, name: $0) }
        defer { for i in files.indices { files[i].unmap() } }
        guard files.contains(where: { isSegment($0.name) }) else {
            throw TraceError.io(source: directory, offset: 0, detail: "no recorder segment (p<pid>-<generation>.mrr) to pack")
        }
        let members = files.map { Member(name: $0.name, length: UInt64($0.bytes.count), crc32c: CRC32C.checksum($0.bytes)) }
        let manifest = Manifest(conversion: conversion, members: members)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array(try encoder.encode(manifest))
        var prefix = TraceFormat.magic
        // Layout 2 when a segment goes in plain: a reader older than plain segments says
        // "unsupported version" rather than failing inside zstd.
        let plainSegment = files.contains { isSegment($0.name) && RecorderSegment.isPlain($0.bytes) }
        LittleEndian.append(plainSegment ? TraceFormat.rawRecordingPlainVersion : TraceFormat.rawRecordingVersion, to: &prefix)
        LittleEndian.append(UInt32(json.count), to: &prefix)
        prefix.append(contentsOf: json)
        LittleEndian.append(CRC32C.checksum(json), to: &prefix)

        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = dir + "." + base + "." + String(getpid()) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16) + ".tmp"
        let out = try FileTraceOutput(creating: temporary, sync: false)
        TemporaryFiles.register(temporary)
        do {
            try prefix.withUnsafeBytes { try out.write($0) }
            for f in files { try out.write(f.bytes) }
            try out.close()
            guard rename(temporary, path) == 0 else {
                throw TraceError.io(source: path, offset: 0, detail: "cannot rename \(temporary) into place: \(errnoText())")
            }
            TemporaryFiles.unregister(temporary)
        } catch {
            out.discard()
            unlink(temporary)
            TemporaryFiles.unregister(temporary)
            throw error
        }
        let segments = files.filter { isSegment($0.name) }
        let incomplete = segments.filter { f in
            guard !segmentEnded(f.bytes), let (pid, gen) = segmentKey(f.name) else { return false }
            return !segments.contains { s in segmentKey(s.name).map { $0.0 == pid && $0.1 > gen } ?? false }
        }.map(\.name)
        return Packed(manifest: manifest, bytes: UInt64(prefix.count) + members.reduce(0) { $0 + $1.length },
                      incompleteSegments: incomplete)
    }

    /// The names `pack` takes from `directory`, sorted.
    static func memberNames(directory: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw TraceError.io(source: directory, offset: 0, detail: "cannot read the recording directory: \(errnoText())")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard validName(name), !name.hasPrefix("cachegrind.out") else { continue }
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            names.append(name)
        }
        return names.sorted()
    }

    /// (pid, generation) of a segment's name `p<pid>-<generation>.mrr`.
    static func segmentKey(_ name: String) -> (UInt32, Int)? {
        guard isSegment(name), let dash = name.firstIndex(of: "-"),
              let pid = UInt32(name[name.index(after: name.startIndex)..<dash]),
              let gen = Int(name[name.index(after: dash)..<name.index(name.endIndex, offsetBy: -4)]) else { return nil }
        return (pid, gen)
    }

    /// True when a segment's bytes say its image ended (exit, exec, fatal signal): a plain segment
    /// holds its end chunk (found by walking the chunk headers), a zstd segment's stream was ended
    /// (`zstdStreamEnded`).
    static func segmentEnded(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard RecorderSegment.isPlain(bytes) else { return zstdStreamEnded(bytes) }
        var at = 0, ended = false
        while bytes.count - at >= 36, bytes[at] == 0x4D, bytes[at + 1] == 0x52, bytes[at + 2] == 0x52 {
            if bytes[at + 3] == 0x45 { ended = true; at += 36; continue }
            let length = Int(bytes[at + 4]) | Int(bytes[at + 5]) << 8 | Int(bytes[at + 6]) << 16 | Int(bytes[at + 7]) << 24
            at += 36 + length
        }
        return ended && at == bytes.count
    }

    /// True when `bytes` are whole zstd frames, the last one ended (the interposer's stream was
    /// ended at exit or exec), found by walking the frames' block headers without decompressing.
    static func zstdStreamEnded(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return false }
        var at = 0
        while at < bytes.count {
            let n = ZSTD_findFrameCompressedSize(base + at, bytes.count - at)
            if ZSTD_isError(n) != 0 || n == 0 { return false }
            at += n
        }
        return true
    }

    /// A file of the recording directory mapped read-only (empty files are not mapped).
    struct MappedFile {
        let name: String
        private(set) var bytes: UnsafeRawBufferPointer

        init(path: String, name: String) throws {
            self.name = name
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw TraceError.io(source: path, offset: 0, detail: "cannot open: \(errnoText())") }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw TraceError.io(source: path, offset: 0, detail: "cannot stat: \(errnoText())") }
            let size = Int(info.st_size)
            guard size > 0 else { bytes = UnsafeRawBufferPointer(start: nil, count: 0); return }
            // Populated at once: the checksum reads every page anyway (one call, not a fault per page).
            guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), p != MAP_FAILED else {
                throw TraceError.io(source: path, offset: 0, detail: "cannot map: \(errnoText())")
            }
            bytes = UnsafeRawBufferPointer(start: p, count: size)
        }

        mutating func unmap() {
            if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        }
    }
}
