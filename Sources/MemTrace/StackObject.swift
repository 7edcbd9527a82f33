/// An object frames point into: an executable or shared library as it was loaded.
///
/// `low..<high` is the extent of its PT_LOAD segments in ELF virtual addresses (the addresses
/// `readelf -l`, `addr2line` and `nm` use), the same in every process whatever its load address.
public struct StackObject: Hashable, Sendable {
    public var id: ObjectID
    public var path: String
    /// The GNU build-id from its PT_NOTE (empty when it has none).
    public var buildID: [UInt8]
    public var low: UInt64
    public var high: UInt64

    public init(id: ObjectID, path: String, buildID: [UInt8], low: UInt64, high: UInt64) {
        self.id = id; self.path = path; self.buildID = buildID; self.low = low; self.high = high
    }

    /// The build-id in lower-case hex (as `file` and debuginfod print it).
    public var buildIDHex: String {
        buildID.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
