#if canImport(Glibc)
import Glibc
#endif

/// One mapping a recorded process made, as perf's PERF_RECORD_MMAP2 reported it (every mmap of
/// the tree, the ones ld.so and glibc make without the PLT included).
public struct PerfMapping: Hashable, Sendable {
    public var start: UInt64
    public var length: UInt64
    /// File offset in bytes.
    public var offset: UInt64
    public var major: UInt32
    public var minor: UInt32
    public var inode: UInt64
    /// PROT_* and MAP_* bits.
    public var prot: UInt32
    public var flags: UInt32
    /// The file, or perf's name for anonymous memory (`//anon`, `[stack]`, `[heap]`, …).
    public var path: String

    public init(start: UInt64, length: UInt64, offset: UInt64, major: UInt32, minor: UInt32, inode: UInt64,
                prot: UInt32, flags: UInt32, path: String) {
        self.start = start; self.length = length; self.offset = offset; self.major = major; self.minor = minor
        self.inode = inode; self.prot = prot; self.flags = flags; self.path = path
    }

    /// The mapping as a /proc/PID/maps line would describe it.
    public var region: MappedRegion {
        var perms = ""
        perms += prot & 1 != 0 ? "r" : "-"
        perms += prot & 2 != 0 ? "w" : "-"
        perms += prot & 4 != 0 ? "x" : "-"
        perms += flags & 1 != 0 ? "s" : "p"
        func hex(_ v: UInt32) -> String { let s = String(v, radix: 16); return s.count < 2 ? "0" + s : s }
        let file = path.hasPrefix("/") && !path.hasPrefix("//") && inode != 0
        return MappedRegion(start: start, end: start &+ length, permissions: perms, offset: file ? offset : 0,
                            device: file ? hex(major) + ":" + hex(minor) : "00:00", inode: file ? inode : 0,
                            path: file || path.hasPrefix("[") ? path : "")
    }

    /// Appends the mapping's file form (little-endian fields, then the path's length and bytes).
    func encode(into out: inout [UInt8]) {
        for v in [start, length, offset, inode, UInt64(major) << 32 | UInt64(minor), UInt64(prot) << 32 | UInt64(flags)] {
            withUnsafeBytes(of: v.littleEndian) { out += $0 }
        }
        let bytes = Array(path.utf8)
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out += $0 }
        out += bytes
    }

    /// Every mapping of a mappings file, in order; throws naming the offset of a cut record.
    public static func readAll(path file: String) throws -> [PerfMapping] {
        guard let text = PerfFaultCollector.readBytes(file) else { return [] }
        var out: [PerfMapping] = []
        var at = 0
        func u64() -> UInt64 { defer { at += 8 }; return text[at..<at + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        while at < text.count {
            guard at + 52 <= text.count else {
                throw TraceError.io(source: file, offset: UInt64(at), detail: "mapping record cut short: expected 52 bytes and a path")
            }
            let start = u64(), length = u64(), offset = u64(), inode = u64(), dev = u64(), pf = u64()
            let n = Int(text[at..<at + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            at += 4
            guard at + n <= text.count else {
                throw TraceError.io(source: file, offset: UInt64(at), detail: "mapping path cut short: expected \(n) bytes")
            }
            let path = String(decoding: text[at..<at + n], as: UTF8.self)
            at += n
            out.append(PerfMapping(start: start, length: length, offset: offset, major: UInt32(dev >> 32), minor: UInt32(truncatingIfNeeded: dev),
                                   inode: inode, prot: UInt32(pf >> 32), flags: UInt32(truncatingIfNeeded: pf), path: path))
        }
        return out
    }
}
