/// Constants of the `.mrt` trace format (docs/trace-format.md).
public enum TraceFormat {
    /// The current format version.
    public static let version = 5
    /// Versions this build reads: 2 (no fault-derived touches), 3 (no call stacks), 4 (no stacks
    /// on fault-derived touches) and 5.
    public static let readableVersions: ClosedRange<Int> = 2...5
    /// The eight bytes every trace file starts with.
    public static let magic: [UInt8] = Array("MRTRACE\u{1}".utf8)
    /// The version field of a raw recording (`RawRecording`): bit 15 (`rawRecordingBit`) says
    /// "not yet converted", the low bits are the container layout (1). Readers of traces refuse it
    /// by its version; `TraceReader` converts it first.
    public static let rawRecordingVersion: UInt16 = 0x8001
    /// A raw recording with a segment packed plain (`RecordingCompressor` left it uncompressed):
    /// layout 2, the same container; older readers refuse it by its version instead of failing in zstd.
    public static let rawRecordingPlainVersion: UInt16 = 0x8002
    public static let rawRecordingBit: UInt16 = 0x8000
}
