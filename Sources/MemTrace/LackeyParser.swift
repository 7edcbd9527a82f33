#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One memory record of valgrind lackey's `--trace-mem=yes` output, with the line it came from.
public struct LackeyRecord: Hashable, Sendable {
    /// 1-based line number in the log.
    public var line: UInt64
    public var access: MemoryAccess
    public init(line: UInt64, access: MemoryAccess) { self.line = line; self.access = access }
}

/// A lackey log that cannot be read, naming the file, the line and what was expected.
public struct LackeyError: Error, CustomStringConvertible, Equatable, Sendable {
    public var source: String
    public var line: UInt64
    public var detail: String
    public init(source: String, line: UInt64, detail: String) { self.source = source; self.line = line; self.detail = detail }
    public var description: String { "\(source): line \(line): \(detail)" }
}

/// A streaming parser of lackey's `--trace-mem=yes` output (valgrind lackey/lk_main.c,
/// `trace_instr` / `trace_load` / `trace_store` / `trace_modify`):
///
/// ```
/// I  04011b0,3        instruction fetch of 3 bytes
///  L 1ffefffd40,8     load
///  S 1ffefffd48,8     store
///  M 0404c20,4        modify (load and store of one location)
/// ```
///
/// valgrind's own `==PID==` lines and blank lines are skipped; anything else is an error naming
/// the line. Input may arrive in pieces of any size (`feed`); `finish` ends it. Memory use is
/// bounded by the longest line (at most 4 KiB is accepted).
public struct LackeyParser {
    public let source: String
    /// Lines fully consumed so far.
    public private(set) var lineNumber: UInt64 = 0
    /// The pid of the first `==PID==` line seen, 0 before.
    public private(set) var pid: UInt32 = 0
    /// Records yielded so far.
    public private(set) var records: UInt64 = 0
    var pending: [UInt8] = []
    static let maxLine = 4096

    public init(source: String) { self.source = source }

    /// Parses every complete line of `bytes` (carrying a partial last line over) and hands each
    /// record to `body` in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ body: (LackeyRecord) throws -> Void) throws {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var start = 0
        let n = bytes.count
        while start < n {
            guard let nl = memchr(base + start, 0x0A, n - start) else {
                pending.append(contentsOf: UnsafeBufferPointer(start: base + start, count: n - start))
                if pending.count > LackeyParser.maxLine {
                    throw LackeyError(source: source, line: lineNumber + 1, detail: "line longer than \(LackeyParser.maxLine) bytes; expected a lackey record")
                }
                return
            }
            let end = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            lineNumber += 1
            if pending.isEmpty {
                try parseLine(UnsafeBufferPointer(start: base + start, count: end - start), body)
            } else {
                pending.append(contentsOf: UnsafeBufferPointer(start: base + start, count: end - start))
                let line = pending
                pending.removeAll(keepingCapacity: true)
                try line.withUnsafeBufferPointer { try parseLine($0, body) }
            }
            start = end + 1
        }
    }

    /// Ends the input: a last line without a newline is parsed.
    public mutating func finish(_ body: (LackeyRecord) throws -> Void) throws {
        guard !pending.isEmpty else { return }
        lineNumber += 1
        let line = pending
        pending.removeAll()
        try line.withUnsafeBufferPointer { try parseLine($0, body) }
    }

    @inline(__always)
    mutating func parseLine(_ l: UnsafeBufferPointer<UInt8>, _ body: (LackeyRecord) throws -> Void) throws {
        var count = l.count
        if count > 0 && l[count - 1] == 0x0D { count -= 1 }          // CRLF
        if count == 0 { return }
        if l[0] == 0x3D && count > 1 && l[1] == 0x3D {                // "==PID== ..."
            if pid == 0 {
                var i = 2, v: UInt32 = 0
                while i < count, l[i] >= 0x30 && l[i] <= 0x39 { v = v &* 10 &+ UInt32(l[i] - 0x30); i += 1 }
                if i < count && l[i] == 0x3D { pid = v }
            }
            return
        }
        // "I  addr,size" or " X addr,size"
        let kind: AccessKind
        var i: Int
        if l[0] == 0x49 {                                             // 'I'
            kind = .instruction; i = 1
        } else if l[0] == 0x20 && count > 1 {
            switch l[1] {
            case 0x4C: kind = .load
            case 0x53: kind = .store
            case 0x4D: kind = .modify
            default: throw bad(l, count)
            }
            i = 2
        } else {
            throw bad(l, count)
        }
        guard i < count, l[i] == 0x20 else { throw bad(l, count) }
        while i < count && l[i] == 0x20 { i += 1 }
        var address: UInt64 = 0, digits = 0
        while i < count {
            let c = l[i]
            let d: UInt8
            if c >= 0x30 && c <= 0x39 { d = c - 0x30 } else if c >= 0x61 && c <= 0x66 { d = c - 0x61 + 10 }
            else if c >= 0x41 && c <= 0x46 { d = c - 0x41 + 10 } else { break }
            address = address << 4 | UInt64(d)
            digits += 1; i += 1
        }
        guard digits > 0, digits <= 16, i < count, l[i] == 0x2C else { throw bad(l, count) }
        i += 1
        var size: UInt32 = 0, sizeDigits = 0
        while i < count, l[i] >= 0x30 && l[i] <= 0x39 {
            size = size &* 10 &+ UInt32(l[i] - 0x30); sizeDigits += 1; i += 1
        }
        while i < count && l[i] == 0x20 { i += 1 }
        guard sizeDigits > 0, sizeDigits <= 6, size > 0, i == count else { throw bad(l, count) }
        records += 1
        try body(LackeyRecord(line: lineNumber, access: MemoryAccess(kind: kind, address: VirtualAddress(address), size: size)))
    }

    func bad(_ l: UnsafeBufferPointer<UInt8>, _ count: Int) -> LackeyError {
        let shown = String(decoding: UnsafeBufferPointer(start: l.baseAddress, count: min(count, 80)), as: UTF8.self)
        return LackeyError(source: source, line: lineNumber,
                           detail: "expected a lackey record such as 'I  04011b0,3', ' L 1ffefffd40,8', ' S …' or ' M …' (hex address, decimal size), found '\(shown)'")
    }
}

/// Reads a lackey log file in 1 MiB pieces through a `LackeyParser`.
public enum LackeyLog {
    /// Parses the log at `path`, handing every record to `body`; returns the parser at the end
    /// (line count, pid seen). Errors name the file and the line. `progress`, when given, is
    /// called after each 1 MiB read with the bytes read and the records parsed so far.
    @discardableResult
    public static func read(path: String, progress: ((_ bytes: UInt64, _ records: UInt64) -> Void)? = nil,
                            _ body: (LackeyRecord) throws -> Void) throws -> LackeyParser {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LackeyError(source: path, line: 0, detail: "cannot open: \(String(cString: strerror(errno)))") }
        defer { _ = posixClose(fd) }
        var parser = LackeyParser(source: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var consumed: UInt64 = 0
        while true {
            let n = posixRead(fd, buffer.baseAddress!, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw LackeyError(source: path, line: parser.lineNumber, detail: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), body)
            consumed += UInt64(n)
            progress?(consumed, parser.records)
        }
        try parser.finish(body)
        return parser
    }
}
