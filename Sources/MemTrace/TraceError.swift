/// A failure reading or writing a trace, naming the file (or stream) and the byte offset concerned.
///
/// For block damage the offset is that of the block's first header byte, so a report points at
/// the block to cut or repair; header problems point into the file header.
public enum TraceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input does not start with `TraceFormat.magic`.
    case notATrace(source: String, offset: UInt64)
    /// The file's format version is not one this build reads.
    case unsupportedVersion(source: String, offset: UInt64, version: Int)
    /// The file header fails its checksum, its length limit, or does not decode.
    case damagedHeader(source: String, offset: UInt64, detail: String)
    /// The input ends inside the file header.
    case truncatedHeader(source: String, offset: UInt64, expected: Int, found: Int)
    /// A block fails a check: magic, checksum, length limit, sequence, or decompression.
    case damagedBlock(source: String, offset: UInt64, detail: String)
    /// The input ends inside a block.
    case truncatedBlock(source: String, offset: UInt64, expected: Int, found: Int)
    /// A block passes its checksums but a record in it cannot be decoded.
    case badRecord(source: String, offset: UInt64, detail: String)
    /// An operating-system or usage failure (open, read, write, rename, writer already closed).
    case io(source: String, offset: UInt64, detail: String)

    /// The file or stream name.
    public var source: String {
        switch self {
        case .notATrace(let s, _), .unsupportedVersion(let s, _, _), .damagedHeader(let s, _, _),
             .truncatedHeader(let s, _, _, _), .damagedBlock(let s, _, _), .truncatedBlock(let s, _, _, _),
             .badRecord(let s, _, _), .io(let s, _, _):
            s
        }
    }

    /// The byte offset in the file or stream.
    public var offset: UInt64 {
        switch self {
        case .notATrace(_, let o), .unsupportedVersion(_, let o, _), .damagedHeader(_, let o, _),
             .truncatedHeader(_, let o, _, _), .damagedBlock(_, let o, _), .truncatedBlock(_, let o, _, _),
             .badRecord(_, let o, _), .io(_, let o, _):
            o
        }
    }

    /// True for damage inside the block sequence (what salvage mode stops at).
    public var isBlockDamage: Bool {
        switch self {
        case .damagedBlock, .truncatedBlock, .badRecord: true
        default: false
        }
    }

    public var description: String {
        let prefix = "\(source): byte \(offset): "
        switch self {
        case .notATrace: return prefix + "not a memreplay trace (bad magic)"
        case .unsupportedVersion(_, _, let v) where UInt16(truncatingIfNeeded: v) & TraceFormat.rawRecordingBit != 0 && v <= 0xFFFF:
            return prefix + "a raw recording not yet converted (container layout \(v & 0x7FFF); this build reads layout "
                + "\(TraceFormat.rawRecordingVersion & 0x7FFF)): convert it with `memreplay convert`"
        case .unsupportedVersion(_, _, let v):
            return prefix + "unsupported format version \(v) (this build reads \(TraceFormat.readableVersions.lowerBound) to \(TraceFormat.readableVersions.upperBound))"
        case .damagedHeader(_, _, let d): return prefix + "damaged header: " + d
        case .truncatedHeader(_, _, let e, let f): return prefix + "truncated header: expected \(e) bytes, found \(f)"
        case .damagedBlock(_, _, let d): return prefix + "damaged block: " + d
        case .truncatedBlock(_, _, let e, let f): return prefix + "truncated block: expected \(e) bytes, found \(f)"
        case .badRecord(_, _, let d): return prefix + d
        case .io(_, _, let d): return prefix + d
        }
    }
}
